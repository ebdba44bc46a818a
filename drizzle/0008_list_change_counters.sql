CREATE TABLE "change_counters" (
	"name" text PRIMARY KEY NOT NULL,
	"value" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO "change_counters" ("name", "value") VALUES ('requirements_list', 0);
--> statement-breakpoint
-- Bumps the `requirements_list` counter in the changing transaction (so a reader never sees new
-- rows with an old counter). Statement-level: a bulk change bumps it once.
CREATE OR REPLACE FUNCTION bump_requirements_list_counter() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE change_counters SET value = value + 1 WHERE name = 'requirements_list';
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER requirements_bump_list_counter
	AFTER INSERT OR UPDATE OR DELETE ON requirements
	FOR EACH STATEMENT EXECUTE FUNCTION bump_requirements_list_counter();
--> statement-breakpoint
-- The list shows department, job level and user names next to each requirement.
CREATE TRIGGER departments_bump_list_counter
	AFTER UPDATE OF name ON departments
	FOR EACH STATEMENT EXECUTE FUNCTION bump_requirements_list_counter();
--> statement-breakpoint
CREATE TRIGGER job_levels_bump_list_counter
	AFTER UPDATE OF name ON job_levels
	FOR EACH STATEMENT EXECUTE FUNCTION bump_requirements_list_counter();
--> statement-breakpoint
CREATE TRIGGER users_bump_list_counter
	AFTER UPDATE OF name ON users
	FOR EACH STATEMENT EXECUTE FUNCTION bump_requirements_list_counter();
