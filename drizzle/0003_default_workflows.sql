-- A default approval workflow exists for each subject: one step, any user with the `approver`
-- role. Admins edit it or add more specific workflows (by department, level, salary).
WITH requirement_default AS (
	INSERT INTO approval_workflows (name, description, subject_type, is_default)
	VALUES ('Default requirement approval', 'Used when no more specific workflow matches.', 'requirement', true)
	RETURNING id
)
INSERT INTO approval_workflow_steps (workflow_id, position, name, approvers, rule)
SELECT id, 1, 'Approval', '[{"type":"role","role":"approver"}]'::jsonb, 'any' FROM requirement_default;
--> statement-breakpoint
WITH offer_default AS (
	INSERT INTO approval_workflows (name, description, subject_type, is_default)
	VALUES ('Default offer approval', 'Used when no more specific workflow matches.', 'offer', true)
	RETURNING id
)
INSERT INTO approval_workflow_steps (workflow_id, position, name, approvers, rule)
SELECT id, 1, 'Approval', '[{"type":"role","role":"approver"}]'::jsonb, 'any' FROM offer_default;
--> statement-breakpoint
CREATE UNIQUE INDEX requirements_number_unique ON requirements (number);
