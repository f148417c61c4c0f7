-- Run by the postgres image's entrypoint (/docker-entrypoint-initdb.d) once, on the first start
-- of an empty data volume, as POSTGRES_USER (talentmatch), who then owns both databases.
-- Each service owns its database; the services create their own tables at startup.
CREATE DATABASE profiles;
CREATE DATABASE jobs;
