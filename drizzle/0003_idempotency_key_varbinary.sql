-- Idempotency keys as their UTF-8 bytes: utf8mb4_bin (0001) still compares with PAD SPACE, so "k" and
-- "k " were one key (the second request answered CONFLICT). A binary string compares every byte on
-- MariaDB and MySQL alike; converting keeps each existing key's bytes.
ALTER TABLE `idempotency_key` MODIFY COLUMN `idem_key` varbinary(1020) NOT NULL;
