CREATE TABLE "candidates_list_changes" (
	"counter" bigint NOT NULL,
	"candidate_id" uuid
);
--> statement-breakpoint
CREATE INDEX "candidates_list_changes_counter_idx" ON "candidates_list_changes" USING btree ("counter");--> statement-breakpoint
-- Each `candidates_list` bump now also records WHICH candidates it changed, so that a cached list
-- answer (src/lib/server/candidates/list-cache.ts) can be re-checked against those rows alone
-- (is each still in or out of the answer, at the same place?) instead of running its query
-- again: under a steady trickle of edits, most cached searches stay valid. A null candidate_id
-- stands for "who may see which candidate changed" and re-queries every answer. The bump and its
-- rows are written by one function in the changing transaction, so they commit together, under
-- the counter's row lock (bumps commit in counter order). Every 100th bump drops the rows older
-- than 1,000 bumps; readers re-check only answers at most 500 bumps old.
CREATE OR REPLACE FUNCTION record_candidates_list_change(changed uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	bumped bigint;
BEGIN
	UPDATE change_counters SET value = value + 1 WHERE name = 'candidates_list' RETURNING value INTO bumped;
	IF bumped IS NULL THEN
		RETURN;
	END IF;
	INSERT INTO candidates_list_changes (counter, candidate_id) SELECT DISTINCT bumped, c FROM unnest(changed) AS c;
	IF bumped % 100 = 0 THEN
		DELETE FROM candidates_list_changes WHERE counter <= bumped - 1000;
	END IF;
END;
$$;
--> statement-breakpoint
-- Who may see which candidate (the triggers of 0012 on requirements, departments,
-- user_departments, interviews and interview_panelists): any answer may have changed.
CREATE OR REPLACE FUNCTION bump_candidates_list_counter() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM record_candidates_list_change(ARRAY[NULL]::uuid[]);
	RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Candidates, their identities and applications: the rows the statement changed (transition
-- tables; one trigger per event, as Postgres requires). A statement that changed no row, or
-- changed only an application's rank in its column, changes no answer and bumps nothing.
CREATE OR REPLACE FUNCTION candidates_list_rows_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	changed uuid[];
BEGIN
	IF TG_TABLE_NAME = 'candidates' THEN
		IF TG_OP = 'DELETE' THEN
			SELECT array_agg(id) INTO changed FROM old_rows;
		ELSE
			SELECT array_agg(id) INTO changed FROM new_rows;
		END IF;
	ELSIF TG_TABLE_NAME = 'candidate_identities' THEN
		IF TG_OP = 'INSERT' THEN
			SELECT array_agg(candidate_id) INTO changed FROM new_rows;
		ELSIF TG_OP = 'DELETE' THEN
			SELECT array_agg(candidate_id) INTO changed FROM old_rows;
		ELSE
			SELECT array_agg(c) INTO changed FROM (
				SELECT candidate_id AS c FROM old_rows UNION SELECT candidate_id FROM new_rows
			) AS both_sides;
		END IF;
	ELSE -- applications
		IF TG_OP = 'INSERT' THEN
			SELECT array_agg(candidate_id) INTO changed FROM new_rows;
		ELSIF TG_OP = 'DELETE' THEN
			SELECT array_agg(candidate_id) INTO changed FROM old_rows;
		ELSE
			SELECT array_agg(sides.c) INTO changed
			FROM old_rows o
			JOIN new_rows n ON n.id = o.id
			CROSS JOIN LATERAL (VALUES (o.candidate_id), (n.candidate_id)) AS sides(c)
			WHERE (o.candidate_id, o.requirement_id, o.stage, o.deleted_at)
				IS DISTINCT FROM (n.candidate_id, n.requirement_id, n.stage, n.deleted_at);
		END IF;
	END IF;
	IF changed IS NOT NULL THEN
		PERFORM record_candidates_list_change(changed);
	END IF;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
DROP TRIGGER candidates_bump_candidates_list_counter ON candidates;
--> statement-breakpoint
DROP TRIGGER candidate_identities_bump_candidates_list_counter ON candidate_identities;
--> statement-breakpoint
DROP TRIGGER applications_bump_candidates_list_counter ON applications;
--> statement-breakpoint
CREATE TRIGGER candidates_insert_candidates_list_changes
	AFTER INSERT ON candidates REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER candidates_update_candidates_list_changes
	AFTER UPDATE ON candidates REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER candidates_delete_candidates_list_changes
	AFTER DELETE ON candidates REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER candidate_identities_insert_candidates_list_changes
	AFTER INSERT ON candidate_identities REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER candidate_identities_update_candidates_list_changes
	AFTER UPDATE ON candidate_identities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER candidate_identities_delete_candidates_list_changes
	AFTER DELETE ON candidate_identities REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER applications_insert_candidates_list_changes
	AFTER INSERT ON applications REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER applications_update_candidates_list_changes
	AFTER UPDATE ON applications REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
--> statement-breakpoint
CREATE TRIGGER applications_delete_candidates_list_changes
	AFTER DELETE ON applications REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION candidates_list_rows_changed();
