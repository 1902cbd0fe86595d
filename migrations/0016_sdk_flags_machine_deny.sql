-- Issue 13, part 1 (rules as code). Hand-written, kept in step with worker/db/schema.ts.
-- Claude Code's flags on a permission request, mirrored with the approval: a person must answer it
-- (no rule allows it, never one tap), and no "always allow" rule may be made from it.
ALTER TABLE `approvals` ADD `requires_user_interaction` integer DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE `approvals` ADD `suppress_always_allow_rule` integer DEFAULT false NOT NULL;
--> statement-breakpoint
-- The machine owner's deny policy: deny rules (the rule-set format) that win over every workspace rule
-- and every person for sessions on that machine. Null: none.
ALTER TABLE `agents` ADD `deny_rules` text;
