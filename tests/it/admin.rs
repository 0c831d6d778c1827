backend_tests! {}
