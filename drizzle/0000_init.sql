CREATE TABLE `member` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`login_id` varchar(50) NOT NULL,
	`password_hash` varchar(255) NOT NULL,
	`nickname` varchar(50) NOT NULL,
	`role` enum('MEMBER','ADMIN') NOT NULL DEFAULT 'MEMBER',
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `member_id` PRIMARY KEY(`id`),
	CONSTRAINT `member_login_id_uq` UNIQUE(`login_id`)
);
--> statement-breakpoint
CREATE TABLE `point_ledger` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`member_id` bigint unsigned NOT NULL,
	`type` enum('CHARGE','USE','REFUND') NOT NULL,
	`amount` bigint NOT NULL,
	`balance_after` bigint NOT NULL,
	`order_id` bigint unsigned,
	`order_item_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `point_ledger_id` PRIMARY KEY(`id`),
	CONSTRAINT `point_ledger_amount_positive` CHECK(`point_ledger`.`amount` > 0),
	CONSTRAINT `point_ledger_balance_after_non_negative` CHECK(`point_ledger`.`balance_after` >= 0)
);
--> statement-breakpoint
CREATE TABLE `point_wallet` (
	`member_id` bigint unsigned NOT NULL,
	`balance` bigint NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `point_wallet_member_id` PRIMARY KEY(`member_id`),
	CONSTRAINT `point_wallet_balance_non_negative` CHECK(`point_wallet`.`balance` >= 0)
);
--> statement-breakpoint
CREATE TABLE `product` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(200) NOT NULL,
	`price` bigint NOT NULL,
	`deleted_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `product_id` PRIMARY KEY(`id`),
	CONSTRAINT `product_price_non_negative` CHECK(`product`.`price` >= 0)
);
--> statement-breakpoint
CREATE TABLE `product_option` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`product_id` bigint unsigned NOT NULL,
	`name` varchar(200) NOT NULL,
	`additional_price` bigint NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `product_option_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `stock` (
	`option_id` bigint unsigned NOT NULL,
	`quantity` int NOT NULL DEFAULT 0,
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `stock_option_id` PRIMARY KEY(`option_id`),
	CONSTRAINT `stock_quantity_non_negative` CHECK(`stock`.`quantity` >= 0)
);
--> statement-breakpoint
CREATE TABLE `cart` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`member_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `cart_id` PRIMARY KEY(`id`),
	CONSTRAINT `cart_member_id_uq` UNIQUE(`member_id`)
);
--> statement-breakpoint
CREATE TABLE `cart_item` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`cart_id` bigint unsigned NOT NULL,
	`product_id` bigint unsigned NOT NULL,
	`option_id` bigint unsigned NOT NULL,
	`quantity` int NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `cart_item_id` PRIMARY KEY(`id`),
	CONSTRAINT `cart_item_cart_option_uq` UNIQUE(`cart_id`,`option_id`),
	CONSTRAINT `cart_item_quantity_positive` CHECK(`cart_item`.`quantity` > 0)
);
--> statement-breakpoint
CREATE TABLE `order_item` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`order_id` bigint unsigned NOT NULL,
	`product_id` bigint unsigned NOT NULL,
	`option_id` bigint unsigned NOT NULL,
	`product_name` varchar(200) NOT NULL,
	`option_name` varchar(200) NOT NULL,
	`unit_price` bigint NOT NULL,
	`quantity` int NOT NULL,
	`amount` bigint NOT NULL,
	`status` enum('PAID','CANCELLED') NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`cancelled_at` datetime(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `order_item_id` PRIMARY KEY(`id`),
	CONSTRAINT `order_item_quantity_positive` CHECK(`order_item`.`quantity` > 0)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`member_id` bigint unsigned NOT NULL,
	`status` enum('PAID','PARTIALLY_CANCELLED','CANCELLED') NOT NULL,
	`total_amount` bigint NOT NULL,
	`refunded_amount` bigint NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `orders_id` PRIMARY KEY(`id`),
	CONSTRAINT `orders_refund_within_total` CHECK(`orders`.`refunded_amount` >= 0 AND `orders`.`refunded_amount` <= `orders`.`total_amount`)
);
--> statement-breakpoint
CREATE TABLE `payment` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`order_id` bigint unsigned NOT NULL,
	`member_id` bigint unsigned NOT NULL,
	`method` enum('POINT') NOT NULL,
	`amount` bigint NOT NULL,
	`refunded_amount` bigint NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `payment_id` PRIMARY KEY(`id`),
	CONSTRAINT `payment_order_id_uq` UNIQUE(`order_id`),
	CONSTRAINT `payment_refund_within_amount` CHECK(`payment`.`refunded_amount` >= 0 AND `payment`.`refunded_amount` <= `payment`.`amount`)
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`event_id` char(36) NOT NULL,
	`type` varchar(64) NOT NULL,
	`aggregate_id` bigint unsigned NOT NULL,
	`payload` json NOT NULL,
	`occurred_at` datetime(3) NOT NULL,
	`published_at` datetime(3),
	`attempts` int NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `outbox_id` PRIMARY KEY(`id`),
	CONSTRAINT `outbox_event_id_uq` UNIQUE(`event_id`)
);
--> statement-breakpoint
CREATE TABLE `idempotency_key` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`member_id` bigint unsigned NOT NULL,
	`scope` enum('PLACE_ORDER','CHARGE_POINT') NOT NULL,
	`idem_key` varchar(255) NOT NULL,
	`request_hash` char(64) NOT NULL,
	`result` json,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`expires_at` datetime(3) NOT NULL,
	CONSTRAINT `idempotency_key_id` PRIMARY KEY(`id`),
	CONSTRAINT `idempotency_key_member_scope_key_uq` UNIQUE(`member_id`,`scope`,`idem_key`)
);
--> statement-breakpoint
ALTER TABLE `point_ledger` ADD CONSTRAINT `point_ledger_member_id_member_id_fk` FOREIGN KEY (`member_id`) REFERENCES `member`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `point_ledger` ADD CONSTRAINT `point_ledger_order_id_orders_id_fk` FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `point_ledger` ADD CONSTRAINT `point_ledger_order_item_id_order_item_id_fk` FOREIGN KEY (`order_item_id`) REFERENCES `order_item`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `point_wallet` ADD CONSTRAINT `point_wallet_member_id_member_id_fk` FOREIGN KEY (`member_id`) REFERENCES `member`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `product_option` ADD CONSTRAINT `product_option_product_id_product_id_fk` FOREIGN KEY (`product_id`) REFERENCES `product`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `stock` ADD CONSTRAINT `stock_option_id_product_option_id_fk` FOREIGN KEY (`option_id`) REFERENCES `product_option`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `cart` ADD CONSTRAINT `cart_member_id_member_id_fk` FOREIGN KEY (`member_id`) REFERENCES `member`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `cart_item` ADD CONSTRAINT `cart_item_cart_id_cart_id_fk` FOREIGN KEY (`cart_id`) REFERENCES `cart`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `cart_item` ADD CONSTRAINT `cart_item_product_id_product_id_fk` FOREIGN KEY (`product_id`) REFERENCES `product`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `cart_item` ADD CONSTRAINT `cart_item_option_id_product_option_id_fk` FOREIGN KEY (`option_id`) REFERENCES `product_option`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `order_item` ADD CONSTRAINT `order_item_order_id_orders_id_fk` FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `order_item` ADD CONSTRAINT `order_item_product_id_product_id_fk` FOREIGN KEY (`product_id`) REFERENCES `product`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `order_item` ADD CONSTRAINT `order_item_option_id_product_option_id_fk` FOREIGN KEY (`option_id`) REFERENCES `product_option`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `orders` ADD CONSTRAINT `orders_member_id_member_id_fk` FOREIGN KEY (`member_id`) REFERENCES `member`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `payment` ADD CONSTRAINT `payment_order_id_orders_id_fk` FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `payment` ADD CONSTRAINT `payment_member_id_member_id_fk` FOREIGN KEY (`member_id`) REFERENCES `member`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `idempotency_key` ADD CONSTRAINT `idempotency_key_member_id_member_id_fk` FOREIGN KEY (`member_id`) REFERENCES `member`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `point_ledger_member_id_idx` ON `point_ledger` (`member_id`,`id`);--> statement-breakpoint
CREATE INDEX `product_option_product_id_idx` ON `product_option` (`product_id`,`id`);--> statement-breakpoint
CREATE INDEX `cart_item_option_id_idx` ON `cart_item` (`option_id`);--> statement-breakpoint
CREATE INDEX `order_item_order_id_idx` ON `order_item` (`order_id`,`id`);--> statement-breakpoint
CREATE INDEX `order_item_ranking_idx` ON `order_item` (`created_at`,`status`,`product_id`,`quantity`);--> statement-breakpoint
CREATE INDEX `order_item_option_id_idx` ON `order_item` (`option_id`);--> statement-breakpoint
CREATE INDEX `orders_member_id_idx` ON `orders` (`member_id`,`id`);--> statement-breakpoint
CREATE INDEX `payment_member_id_idx` ON `payment` (`member_id`);--> statement-breakpoint
CREATE INDEX `outbox_unpublished_idx` ON `outbox` (`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `idempotency_key_expires_at_idx` ON `idempotency_key` (`expires_at`);