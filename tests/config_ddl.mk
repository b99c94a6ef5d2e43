# tests of the config_ddl area
