# syntax=docker/dockerfile:1.7
# Multi-stage: build with dev dependencies, run with production ones only, as a non-root user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm install --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: glibc gives each of libvips' and onnxruntime's threads its own malloc arena; two arenas
# cut peak RSS by ~200 MB under load with no measurable throughput cost (bench/results.md).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    PORT=8080 \
    HEALTH_PORT=8081 \
    DATA_DIR=/data
WORKDIR /app
RUN groupadd --system platewise && useradd --system --gid platewise --home /app platewise \
 && mkdir -p /data && chown platewise:platewise /data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The models are part of the image: nothing is downloaded at run time.
COPY models/*.onnx models/manifest.json ./models/
COPY regions ./regions
USER platewise
VOLUME ["/data"]
EXPOSE 8080 8081
# Cloud profile has no health port; /openapi.json on the API port answers in both profiles.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/openapi.json').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
