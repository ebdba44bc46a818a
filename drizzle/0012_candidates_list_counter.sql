-- The candidates list (and its full-text search) is cached per query and caller while this
-- counter stands still (src/lib/server/cache/read-model-cache.ts, as 0008 does for requirements).
-- Statement-level triggers bump it inside every transaction that changes what a list answer can
-- show or who may see it, so no process ever serves an answer older than a committed change.
INSERT INTO "change_counters" ("name", "value") VALUES ('candidates_list', 0) ON CONFLICT ("name") DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION bump_candidates_list_counter() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE change_counters SET value = value + 1 WHERE name = 'candidates_list';
	RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Every column of a candidate is in the answer or its search vectors (CV text, tags, merges,
-- soft deletes included).
CREATE TRIGGER candidates_bump_candidates_list_counter
	AFTER INSERT OR UPDATE OR DELETE ON candidates
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
--> statement-breakpoint
CREATE TRIGGER candidate_identities_bump_candidates_list_counter
	AFTER INSERT OR UPDATE OR DELETE ON candidate_identities
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
--> statement-breakpoint
-- The stage and requirement filters, and visibility through a requirement. A card reordered
-- within its column (rank only) changes no list answer.
CREATE TRIGGER applications_bump_candidates_list_counter
	AFTER INSERT OR DELETE OR UPDATE OF candidate_id, requirement_id, stage, deleted_at ON applications
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
--> statement-breakpoint
-- Who sees which candidate: a requirement's department, hiring manager and creator, the
-- department tree, a user's departments, an interviewer's panels.
CREATE TRIGGER requirements_bump_candidates_list_counter
	AFTER INSERT OR DELETE OR UPDATE OF department_id, hiring_manager_id, created_by, deleted_at ON requirements
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
--> statement-breakpoint
CREATE TRIGGER departments_bump_candidates_list_counter
	AFTER INSERT OR DELETE OR UPDATE OF parent_id, deleted_at ON departments
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
--> statement-breakpoint
CREATE TRIGGER user_departments_bump_candidates_list_counter
	AFTER INSERT OR UPDATE OR DELETE ON user_departments
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
--> statement-breakpoint
CREATE TRIGGER interviews_bump_candidates_list_counter
	AFTER INSERT OR DELETE OR UPDATE OF application_id, candidate_id, requirement_id, status ON interviews
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
--> statement-breakpoint
CREATE TRIGGER interview_panelists_bump_candidates_list_counter
	AFTER INSERT OR UPDATE OR DELETE ON interview_panelists
	FOR EACH STATEMENT EXECUTE FUNCTION bump_candidates_list_counter();
