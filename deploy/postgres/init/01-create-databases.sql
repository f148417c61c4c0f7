-- Run by the postgres image's entrypoint (/docker-entrypoint-initdb.d) once, on the first start
-- of an empty data volume, as POSTGRES_USER (talentmatch), who then owns the databases.
-- Each service owns its database; its migrations (the *-migrate jobs) create and change the tables.
-- matching's holds the feedback it accepted, shared by its replicas; the portal's, the web app's accounts.
CREATE DATABASE profiles;
CREATE DATABASE jobs;
CREATE DATABASE matching;
CREATE DATABASE portal;
