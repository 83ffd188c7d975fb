// The nginx lane's configuration (bench/run.mjs, bench/ab.mjs): one worker, each mock an upstream
// with a keepalive pool, reached under a path prefix that proxy_pass strips ("/" for the main
// one), HTTP/1.1 to the upstream, responses unbuffered so stream frames pass at once.
//   nginxConf({ work, port, connections, upstreams: [{ prefix: "/", name: "mock", port, keepalive }],
//              workers = 1 })
// `connections` is worker_connections (client and upstream sockets both count) and the worker's
// open-file limit. Logs, pid and temporary files go under `work`.
export function nginxConf({ work, port, connections, upstreams, workers = 1 }) {
  const location = ({ prefix, name }) => `
    location ${prefix} {
      proxy_pass http://${name}${prefix === "/" ? "" : "/"};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }`;
  return `
worker_processes ${workers};
worker_rlimit_nofile ${connections};
daemon off;
error_log ${work}/nginx-error.log warn;
pid ${work}/nginx.pid;
events { worker_connections ${connections}; }
http {
  access_log off;
  client_body_temp_path ${work}/nginx-body;
  proxy_temp_path ${work}/nginx-proxy;
${upstreams.map((u) => `  upstream ${u.name} { server 127.0.0.1:${u.port}; keepalive ${u.keepalive}; }`).join("\n")}
  server {
    listen 127.0.0.1:${port} reuseport;${upstreams.map(location).join("")}
  }
}`;
}
