// ESLint with typescript-eslint's type-aware rules: the habits a reviewer should not have to check by hand.
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["dist/", "coverage/", "test-output/", "drizzle/", "sdk/generated/", "bench/results/"],
  },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // Numbers in messages and keys (`order ${id}`) are the point of a template; objects and nullish are not.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // `string[]` for simple element types, `Array<Outcome<T>>` where the element type is itself generic.
      "@typescript-eslint/array-type": ["error", { default: "array-simple" }],
      // `value || fallback` on a string also treats "" as missing, which is meant for environment variables.
      "@typescript-eslint/prefer-nullish-coalescing": ["error", { ignorePrimitives: { string: true } }],
      // Express tells an error handler by its four parameters, so an unused one is named `_next`.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Interfaces that want a Promise (Apollo's plugin hooks) are met with `async` methods that need no
      // await; a forgotten await is what no-floating-promises catches.
      "@typescript-eslint/require-await": "off",
      // `(x) => void send(x)` noise buys nothing in arrow shorthands; statements still may not use a void value.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
    },
  },
  {
    // The storefront's components: the rules of hooks, and the React Compiler's checks of what a
    // render may do (no writes to refs or state during render, effects that list what they use).
    files: ["web/**/*.{ts,tsx}"],
    extends: [reactHooks.configs.flat.recommended],
  },
  {
    // A test or a benchmark that meets a null where it asserted a value fails loudly on the spot, which is
    // what the assertion is for; production code handles the missing case instead.
    files: ["test/**", "bench/**", "**/*.spec.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    // Tool configs that must be CommonJS (dependency-cruiser's, in a "type": "module" package).
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  // Last: turns off the stylistic rules Prettier owns.
  prettier,
);
