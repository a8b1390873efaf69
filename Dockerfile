# Vantage: one image for every role (vantage start | collector | worker | api | migrate | agent).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Toolchain and headers for the native modules (better-sqlite3; librdkafka for the Kafka client).
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev \
      libsasl2-dev liblz4-dev ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The dashboard, built by Vite into dist/web (scripts/build-web.mjs) and served by the query API at /.
COPY web ./web
COPY scripts/build-web.mjs ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      zlib1g libssl3 libzstd1 libcurl4 libsasl2-2 liblz4-1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
ENV NODE_ENV=production VANTAGE_DATA_DIR=/data
VOLUME /data
EXPOSE 8000 5000 9091 9092
# --max-semi-space-size: see docs/operations.md, "Node heap".
ENTRYPOINT ["node", "--max-semi-space-size=32", "dist/cli/main.js"]
CMD ["start"]
