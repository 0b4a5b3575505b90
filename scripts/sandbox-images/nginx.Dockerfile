# ragship-sandbox/nginx:latest — Debian's nginx on the sandbox bookworm base, laid out like the
# official nginx image as far as compose.yaml relies on it (config at /etc/nginx/nginx.conf,
# logs to stdout/stderr, `nginx -g 'daemon off;'`).
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx ca-certificates \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80 443
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
