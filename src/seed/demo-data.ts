import type { CreateProductInput } from "../modules/catalog/catalog.rules.js";

/** Logins printed in the README so a person can try the API at once. Never loaded in production. */
export const DEMO_MEMBER = { loginId: "demo", password: "demo-pass-1234", nickname: "Demo shopper" };
export const DEMO_MEMBER_POINTS = 1_000_000;
export const DEMO_ADMIN = { loginId: "admin", password: "admin-pass-1234" };

export const DEMO_PRODUCTS: CreateProductInput[] = [
  {
    name: "NewJeans T-shirt",
    price: 29_000,
    options: [
      { name: "S", additionalPrice: 0, stock: 40 },
      { name: "M", additionalPrice: 0, stock: 60 },
      { name: "L", additionalPrice: 1_000, stock: 50 },
      { name: "XL", additionalPrice: 2_000, stock: 20 },
    ],
  },
  {
    name: "Wide pants",
    price: 49_000,
    options: [
      { name: "Black / 28", additionalPrice: 0, stock: 25 },
      { name: "Black / 30", additionalPrice: 0, stock: 30 },
      { name: "Beige / 30", additionalPrice: 3_000, stock: 15 },
    ],
  },
  { name: "ILLIT backpack", price: 89_000, stock: 12 },
  { name: "Gimbap", price: 3_500, stock: 200 },
  { name: "Keto gimbap", price: 5_500, stock: 80 },
  {
    name: "Ramyeon",
    price: 4_000,
    options: [
      { name: "Original", additionalPrice: 0, stock: 150 },
      { name: "With rice cake", additionalPrice: 1_000, stock: 100 },
    ],
  },
  {
    name: "Tteokbokki",
    price: 6_000,
    options: [
      { name: "Mild", additionalPrice: 0, stock: 90 },
      { name: "Spicy", additionalPrice: 0, stock: 90 },
      { name: "Extra cheese", additionalPrice: 1_500, stock: 40 },
    ],
  },
  { name: "Flat dumplings", price: 4_500, stock: 120 },
  { name: "Canvas tote bag", price: 19_000, stock: 70 },
  {
    name: "Wool beanie",
    price: 25_000,
    options: [
      { name: "Grey", additionalPrice: 0, stock: 35 },
      { name: "Navy", additionalPrice: 0, stock: 35 },
    ],
  },
  { name: "Running socks (3 pairs)", price: 12_000, stock: 300 },
  { name: "Water bottle 750 ml", price: 15_000, stock: 0 },
];
