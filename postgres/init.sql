-- TiketQ: one login role and one database per stateful service (docs/architecture.md, data ownership).
--
-- The official postgres image runs every *.sql file in /docker-entrypoint-initdb.d through
-- `psql -v ON_ERROR_STOP=1` as the superuser, once, when the data volume is empty. Because it is
-- psql, meta-commands work: each role's password is read from its Docker secret with a backtick
-- `\set` and passed as a quoted literal (:'name'), so no password is ever written in this file.
--
-- Where the secrets come from (docker-compose.yml, `secrets:`): <service>_db_password is filled
-- from the <SERVICE>_DB_PASSWORD variable in .env, the same variable compose uses to build that
-- service's DATABASE_URL, so the two can never disagree. The superuser itself comes from
-- secrets/db_user.txt and secrets/db_password.txt (POSTGRES_USER_FILE / POSTGRES_PASSWORD_FILE)
-- and is never handed to a service.
--
-- Isolation: every database is owned by its own role, PUBLIC may not connect to any of them,
-- and each role gets CONNECT on its own database only, so a service reaches nothing but its
-- own data (other data comes through the owning service's API). Every role has its own password:
-- one service's credentials open no other database.
--
-- Changing a password later: this file runs only on a fresh volume. Run
--   ALTER ROLE tiketq_auth PASSWORD '...';
-- as the superuser, then update AUTH_DB_PASSWORD in .env and recreate the service.

\set auth_password `cat /run/secrets/auth_db_password`
\set user_password `cat /run/secrets/user_db_password`
\set transaction_password `cat /run/secrets/transaction_db_password`
\set flights_password `cat /run/secrets/flights_db_password`
\set ferries_password `cat /run/secrets/ferries_db_password`
\set hotels_password `cat /run/secrets/hotels_db_password`
\set ppob_password `cat /run/secrets/ppob_db_password`
\set payment_password `cat /run/secrets/payment_db_password`
\set notification_password `cat /run/secrets/notification_db_password`

-- A missing secret reads as an empty string, which Postgres would silently turn into "no
-- password" (a role nobody can log in as). Stop the initialisation loudly instead.
SELECT least(
    length(:'auth_password'), length(:'user_password'), length(:'transaction_password'),
    length(:'flights_password'), length(:'ferries_password'), length(:'hotels_password'),
    length(:'ppob_password'), length(:'payment_password'), length(:'notification_password')
) < 12 AS tiketq_weak_password \gset
\if :tiketq_weak_password
    DO $$ BEGIN RAISE EXCEPTION 'a <service>_db_password secret is missing or shorter than 12 characters'; END $$;
\endif

-- Roles: LOGIN only; no superuser, no CREATEDB, no CREATEROLE.
CREATE ROLE tiketq_auth LOGIN PASSWORD :'auth_password';
CREATE ROLE tiketq_user LOGIN PASSWORD :'user_password';
CREATE ROLE tiketq_transaction LOGIN PASSWORD :'transaction_password';
CREATE ROLE tiketq_flights LOGIN PASSWORD :'flights_password';
CREATE ROLE tiketq_ferries LOGIN PASSWORD :'ferries_password';
CREATE ROLE tiketq_hotels LOGIN PASSWORD :'hotels_password';
CREATE ROLE tiketq_ppob LOGIN PASSWORD :'ppob_password';
CREATE ROLE tiketq_payment LOGIN PASSWORD :'payment_password';
CREATE ROLE tiketq_notification LOGIN PASSWORD :'notification_password';

-- Databases, each owned by its service's role (UTF-8, so names in any script are stored as typed).
CREATE DATABASE tiketq_auth OWNER tiketq_auth ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_user OWNER tiketq_user ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_transaction OWNER tiketq_transaction ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_flights OWNER tiketq_flights ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_ferries OWNER tiketq_ferries ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_hotels OWNER tiketq_hotels ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_ppob OWNER tiketq_ppob ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_payment OWNER tiketq_payment ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE tiketq_notification OWNER tiketq_notification ENCODING 'UTF8' TEMPLATE template0;

-- Only the owner may connect: PUBLIC (every role) loses the default CONNECT and TEMP rights.
REVOKE ALL ON DATABASE tiketq_auth FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_user FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_transaction FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_flights FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_ferries FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_hotels FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_ppob FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_payment FROM PUBLIC;
REVOKE ALL ON DATABASE tiketq_notification FROM PUBLIC;

GRANT CONNECT, TEMPORARY ON DATABASE tiketq_auth TO tiketq_auth;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_user TO tiketq_user;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_transaction TO tiketq_transaction;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_flights TO tiketq_flights;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_ferries TO tiketq_ferries;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_hotels TO tiketq_hotels;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_ppob TO tiketq_ppob;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_payment TO tiketq_payment;
GRANT CONNECT, TEMPORARY ON DATABASE tiketq_notification TO tiketq_notification;

-- The superuser's own database (POSTGRES_DB, where this script runs) and the `postgres`
-- maintenance database are not for services either.
SELECT current_database() AS tiketq_superuser_db \gset
REVOKE CONNECT, TEMPORARY ON DATABASE :"tiketq_superuser_db" FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
