CREATE TABLE `commit_token` (
	`token` char(36) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `commit_token_token` PRIMARY KEY(`token`)
);
--> statement-breakpoint
CREATE INDEX `commit_token_created_at_idx` ON `commit_token` (`created_at`);