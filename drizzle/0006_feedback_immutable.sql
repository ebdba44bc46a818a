-- Submitted scorecards are immutable: an edit is a new revision, never a change in place.
CREATE OR REPLACE FUNCTION interview_feedback_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'interview_feedback is immutable: % refused (submit a new revision)', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER interview_feedback_no_update_delete
	BEFORE UPDATE OR DELETE ON interview_feedback
	FOR EACH ROW EXECUTE FUNCTION interview_feedback_refuse_change();
--> statement-breakpoint
-- A general-purpose template so interviews can be scored from the first day; admins add their own.
INSERT INTO scorecard_templates (name, description, sections, rating_scale) VALUES (
	'General interview',
	'Core competencies for any role.',
	'[{"title":"Skills","competencies":[{"key":"role_skills","name":"Role skills","description":"Depth in the skills the role needs."},{"key":"problem_solving","name":"Problem solving","description":"Structures unclear problems and reasons to a solution."}]},{"title":"Working together","competencies":[{"key":"communication","name":"Communication","description":"Explains clearly; listens and adapts."},{"key":"collaboration","name":"Collaboration","description":"Works well with others; gives and takes feedback."}]}]'::jsonb,
	'[{"value":1,"label":"Strong concerns"},{"value":2,"label":"Some concerns"},{"value":3,"label":"Meets the bar"},{"value":4,"label":"Exceeds the bar"}]'::jsonb
);
