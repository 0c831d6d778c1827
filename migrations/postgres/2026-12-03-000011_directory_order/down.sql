DROP INDEX employees_name_order;
