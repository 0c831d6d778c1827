//! `CsrfUpload`: the only way handlers read a file upload
//! (`multipart/form-data`). The form's `csrf_token` field is checked as
//! `CsrfForm` checks it (403); a body beyond the route's limit is 413; a body
//! that is not a readable upload is 400. What the file holds is the domain's
//! business.

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;

use super::{TokenOwner, has_content_type};
use crate::error::AppError;
use crate::state::AppState;

/// The file of an upload form (its field is named `file`).
#[derive(Clone, Debug, Default)]
pub struct Upload {
    /// As the browser gave it: any text, possibly a path; empty if none.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

pub struct CsrfUpload(pub Upload);

fn read_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest("The upload could not be read. Choose the file again and send it.".into())
    }
}

impl FromRequest<AppState> for CsrfUpload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        if !has_content_type(&req, "multipart/form-data") {
            return Err(AppError::BadRequest("This address expects a file upload form.".into()));
        }
        let owner = TokenOwner::of(&req);
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("The upload could not be read.".into()))?;
        let mut token = String::new();
        let mut upload = None;
        while let Some(field) = multipart.next_field().await.map_err(read_error)? {
            match field.name() {
                Some("csrf_token") => token = field.text().await.map_err(read_error)?,
                Some("file") => {
                    let file_name = field.file_name().unwrap_or_default().to_owned();
                    let bytes = field.bytes().await.map_err(read_error)?.to_vec();
                    upload = Some(Upload { file_name, bytes });
                }
                // Anything else is read past and ignored.
                _ => {
                    field.bytes().await.map_err(read_error)?;
                }
            }
        }
        owner.check(state, &token)?;
        let upload = upload.ok_or_else(|| AppError::BadRequest("Choose a file to upload.".into()))?;
        Ok(CsrfUpload(upload))
    }
}
