-- Idempotency keys are opaque client strings: "Key-A" and "key-a" are two keys. The database's
-- default collation (utf8mb4_unicode_ci) would compare them case- and accent-insensitively.
ALTER TABLE `idempotency_key` MODIFY `idem_key` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
