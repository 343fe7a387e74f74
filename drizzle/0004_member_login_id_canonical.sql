-- LoginIds are stored in one canonical form (member.rules canonicalLoginId: NFC, trimmed, lower
-- case) and compared byte for byte. The database's default collation (utf8mb4_unicode_ci) found
-- alice's row for "Alice", "alice " and "àlice", while the failed-login counter took each spelling
-- for another loginId. drizzle-kit wrote only the CHECK (it has no collation for MySQL columns); the
-- first two statements are by hand, as in 0001.
--
-- 1. Canonicalise the rows already there. Sign-up only ever accepted [A-Za-z0-9._-]{4,50}, where
--    LOWER(TRIM()) is exactly the canonical form. It runs while the old case-insensitive unique index
--    still holds, which already kept "Alice" and "alice" from both existing. Should two rows collapse
--    into one id all the same (rows written by hand, a database created with another collation), this
--    one statement fails whole on member_login_id_uq ("Duplicate entry 'alice'"), changes nothing, and
--    the service does not start: neither account is merged or renamed behind its owner's back. Rename
--    one of the two by hand (UPDATE member SET login_id = ... WHERE id = ...) and start again.
UPDATE `member` SET `login_id` = LOWER(TRIM(`login_id`));
--> statement-breakpoint
-- 2. Byte for byte from now on; utf8mb4_bin exists on MariaDB 10.11 and MySQL 8 alike.
ALTER TABLE `member` MODIFY `login_id` varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
--> statement-breakpoint
-- 3. From drizzle-kit: what a stored id may be (src/db/schema/member.ts says why it reads so). Any row
--    still not canonical (a non-ASCII or inner-space id no sign-up could have made, which SQL cannot
--    bring to NFC) stops the migration here with a CHECK violation rather than staying on as an
--    account nobody can sign in to. Steps 1 and 2 are safe to run again once it is fixed by hand.
ALTER TABLE `member` ADD CONSTRAINT `member_login_id_canonical` CHECK (char_length(`member`.`login_id`) >= 4 and `member`.`login_id` not regexp '[^a-z0-9._-]');
