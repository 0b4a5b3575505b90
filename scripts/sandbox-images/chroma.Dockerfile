# ragship-sandbox/chroma:1.0.5 — Chroma 1.0.5 from the npm bindings, behaving like the official
# chromadb/chroma:1.0.5 image: listens on 0.0.0.0:8000, persists to /data, has bash for the
# compose healthcheck (`/dev/tcp`).
ARG NODE_IMAGE
FROM ${NODE_IMAGE}
WORKDIR /opt/chroma
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && mkdir -p /data
ENV PATH=/opt/chroma/node_modules/.bin:$PATH
VOLUME /data
EXPOSE 8000
CMD ["chroma", "run", "--host", "0.0.0.0", "--port", "8000", "--path", "/data"]
