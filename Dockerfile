# syntax=docker/dockerfile:1

# Two stages: `build` installs every dependency and compiles TypeScript; the final image has only
# production dependencies and the compiled output. The app finds its migrations (drizzle/) by
# walking up from dist/src/ to the folder holding package.json, so package.json, dist/ and drizzle/
# all sit side by side in /app.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
# tsconfig.json compiles src, test, drizzle.config.ts and vitest.config.ts, so all of them are needed.
COPY tsconfig.json drizzle.config.ts vitest.config.ts vite.config.ts schema.graphql ./
COPY drizzle ./drizzle
COPY src ./src
COPY sdk ./sdk
COPY web ./web
COPY test ./test
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/drizzle ./drizzle
COPY --from=build /app/schema.graphql ./schema.graphql
# Files stay owned by root (read-only to the app); the process runs as the image's unprivileged user.
USER node
EXPOSE 4000
# Liveness only (/healthz checks no dependencies). Slim images have no curl: use Node's own fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/src/app/main.js"]
