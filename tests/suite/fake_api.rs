//! An in-process Kubernetes API server for kube-rs's client: enough of discovery, GET,
//! LIST (label selectors), server-side apply PATCH (with dry run, force and field
//! conflicts), DELETE and CRD establishment to exercise `apply` and record every request.
//! Shared with `benches/apply.rs`.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::client::Body;
use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub content_type: Option<String>,
    pub body: Option<Value>,
}

#[derive(Debug, Clone)]
struct Resource {
    group: String,
    version: String,
    kind: String,
    plural: String,
    namespaced: bool,
}

/// (group, plural, namespace, name)
type Key = (String, String, Option<String>, String);

#[derive(Default)]
pub struct State {
    resources: Vec<Resource>,
    objects: BTreeMap<Key, Value>,
    pub requests: Vec<Recorded>,
    /// Status codes to answer the next PATCH requests with, one each, before serving.
    pub fail_patches: VecDeque<u16>,
    /// `(plural, name, field path like .spec.replicas, manager)` owned by another manager.
    pub conflicts: Vec<(String, String, String, String)>,
    /// Simulated latency of every request.
    pub latency: Duration,
    /// When set, every request is answered with this status code.
    pub fail_every: Option<u16>,
    /// `(verb, resource, namespace)` a SelfSubjectAccessReview denies; all else is allowed.
    pub denied: Vec<(String, String, Option<String>)>,
    next_rv: u64,
    next_uid: u64,
}

#[derive(Clone)]
pub struct FakeApi {
    pub state: Arc<Mutex<State>>,
}

pub const KUBE_SYSTEM_UID: &str = "4b7e3e0e-0000-4000-8000-00000000c0de";

impl FakeApi {
    pub fn new() -> FakeApi {
        let mut state = State::default();
        for (group, version, kind, plural, namespaced) in [
            ("", "v1", "Namespace", "namespaces", false),
            ("", "v1", "Secret", "secrets", true),
            ("", "v1", "ConfigMap", "configmaps", true),
            ("", "v1", "ServiceAccount", "serviceaccounts", true),
            ("", "v1", "Service", "services", true),
            ("", "v1", "ResourceQuota", "resourcequotas", true),
            ("apps", "v1", "Deployment", "deployments", true),
            (
                "rbac.authorization.k8s.io",
                "v1",
                "ClusterRole",
                "clusterroles",
                false,
            ),
            (
                "rbac.authorization.k8s.io",
                "v1",
                "ClusterRoleBinding",
                "clusterrolebindings",
                false,
            ),
            (
                "rbac.authorization.k8s.io",
                "v1",
                "RoleBinding",
                "rolebindings",
                true,
            ),
            ("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
            (
                "networking.k8s.io",
                "v1",
                "NetworkPolicy",
                "networkpolicies",
                true,
            ),
            (
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
                "customresourcedefinitions",
                false,
            ),
            (
                "apiregistration.k8s.io",
                "v1",
                "APIService",
                "apiservices",
                false,
            ),
        ] {
            state.resources.push(Resource {
                group: group.into(),
                version: version.into(),
                kind: kind.into(),
                plural: plural.into(),
                namespaced,
            });
        }
        state.objects.insert(
            ("".into(), "namespaces".into(), None, "kube-system".into()),
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "kube-system", "uid": KUBE_SYSTEM_UID, "resourceVersion": "1"}}),
        );
        state.next_rv = 2;
        FakeApi {
            state: Arc::new(Mutex::new(state)),
        }
    }

    pub fn client(&self) -> kube::Client {
        let api = self.clone();
        let service = tower::service_fn(move |req: http::Request<Body>| {
            let api = api.clone();
            async move { Ok::<_, std::convert::Infallible>(api.handle(req).await) }
        });
        kube::Client::new(service, "default")
    }

    /// Serves this API over plain HTTP/1.1 on a loopback port, so that a client built from
    /// a kubeconfig (kube's whole layer stack: timeouts, retries, auth) talks to it. Returns
    /// the path of a kubeconfig for it, inside `dir`.
    pub async fn serve_http(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let api = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(api.clone().serve_connection(stream));
            }
        });
        let path = dir.join("kubeconfig");
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:{port}\n\
                 users:\n- name: fake\n  user: {{}}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n\
                 current-context: fake\n"
            ),
        )
        .unwrap();
        path
    }

    /// Answers HTTP/1.1 requests on one connection until the client closes it.
    async fn serve_connection(self, stream: tokio::net::TcpStream) {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let mut stream = BufReader::new(stream);
        loop {
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                match stream.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) if line == "\r\n" => break,
                    Ok(_) => head.push(line.trim_end().to_owned()),
                }
            }
            let Some((method, target)) = head.first().and_then(|l| {
                let mut parts = l.split(' ');
                Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
            }) else {
                return;
            };
            let mut request = http::Request::builder().method(method.as_str()).uri(target);
            let mut length = 0;
            for header in &head[1..] {
                if let Some((name, value)) = header.split_once(':') {
                    let value = value.trim();
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.parse().unwrap_or(0);
                    }
                    request = request.header(name, value);
                }
            }
            let mut body = vec![0; length];
            if stream.read_exact(&mut body).await.is_err() {
                return;
            }
            let response = self.handle(request.body(Body::from(body)).unwrap()).await;
            let code = response.status().as_u16();
            let bytes = response
                .into_body()
                .collect_bytes()
                .await
                .unwrap_or_default();
            let head = format!(
                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                bytes.len()
            );
            let stream = stream.get_mut();
            if stream.write_all(head.as_bytes()).await.is_err()
                || stream.write_all(&bytes).await.is_err()
            {
                return;
            }
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }

    /// The stored object, if any.
    pub fn get(&self, plural: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let state = self.state.lock().unwrap();
        state
            .objects
            .iter()
            .find(|((_, p, ns, n), _)| p == plural && ns.as_deref() == namespace && n == name)
            .map(|(_, v)| v.clone())
    }

    /// Stores an object as if another tool had created it.
    pub fn put(&self, group: &str, plural: &str, namespace: Option<&str>, object: Value) {
        let mut state = self.state.lock().unwrap();
        let name = object["metadata"]["name"].as_str().unwrap().to_owned();
        let rv = state.next_rv;
        state.next_rv += 1;
        let mut object = object;
        object["metadata"]["resourceVersion"] = json!(rv.to_string());
        state.objects.insert(
            (group.into(), plural.into(), namespace.map(Into::into), name),
            object,
        );
    }

    /// Sets `status` on every stored object of `plural`.
    pub fn set_status(&self, plural: &str, f: impl Fn(&Value) -> Value) {
        let mut state = self.state.lock().unwrap();
        for ((_, p, _, _), obj) in state.objects.iter_mut() {
            if p == plural {
                obj["status"] = f(obj);
            }
        }
    }

    async fn handle(&self, req: http::Request<Body>) -> http::Response<Body> {
        let latency = self.state.lock().unwrap().latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let method = req.method().to_string();
        let path = req.uri().path().to_owned();
        let query: BTreeMap<String, String> = req
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_owned(), percent_decode(v))
            })
            .collect();
        let content_type = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let bytes = req.into_body().collect_bytes().await.unwrap_or_default();
        let body: Option<Value> = if bytes.is_empty() {
            None
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        let mut state = self.state.lock().unwrap();
        state.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            content_type,
            body: body.clone(),
        });
        let (code, value) = match state.fail_every {
            Some(code) => status(code, "ServiceUnavailable", "the fake is unavailable"),
            None => state.route(&method, &path, &query, body),
        };
        let bytes = serde_json::to_vec(&value).unwrap();
        http::Response::builder()
            .status(code)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Body::from(bytes))
            .unwrap()
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
               "code": code, "reason": reason, "message": message}),
    )
}

fn get_path<'a>(v: &'a Value, field: &str) -> Option<&'a Value> {
    field
        .trim_start_matches('.')
        .split('.')
        .try_fold(v, |v, k| v.get(k))
}

impl State {
    fn resource(&self, group: &str, version: &str, plural: &str) -> Option<Resource> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
            .cloned()
    }

    fn route(
        &mut self,
        method: &str,
        path: &str,
        query: &BTreeMap<String, String>,
        body: Option<Value>,
    ) -> (u16, Value) {
        if method == "POST" && path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" {
            return self.access_review(body.unwrap_or_default());
        }
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (group, version, rest) = match segs.as_slice() {
            ["version"] => {
                return (
                    200,
                    json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-fake",
                        "gitCommit": "", "gitTreeState": "clean", "buildDate": "", "goVersion": "",
                        "compiler": "gc", "platform": "linux/amd64"}),
                );
            }
            ["api"] => {
                return (
                    200,
                    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
                );
            }
            ["apis"] => return (200, self.group_list()),
            ["api", v, rest @ ..] => ("", *v, rest.to_vec()),
            ["apis", g, v, rest @ ..] => (*g, *v, rest.to_vec()),
            _ => return status(404, "NotFound", "no such path"),
        };
        if rest.is_empty() {
            return self.resource_list(group, version);
        }
        let (namespace, plural, name) = match rest.as_slice() {
            ["namespaces", ns, plural] => (Some(ns.to_string()), plural.to_string(), None),
            ["namespaces", ns, plural, name] => (
                Some(ns.to_string()),
                plural.to_string(),
                Some(name.to_string()),
            ),
            [plural] => (None, plural.to_string(), None),
            [plural, name] => (None, plural.to_string(), Some(name.to_string())),
            _ => return status(404, "NotFound", "no such path"),
        };
        let Some(res) = self.resource(group, version, &plural) else {
            return status(
                404,
                "NotFound",
                &format!("the server could not find the requested resource ({plural})"),
            );
        };
        let namespace = if res.namespaced { namespace } else { None };
        match (method, name) {
            ("GET", Some(name)) => self.get(&res, namespace, &name),
            ("GET", None) => self.list(&res, namespace, query),
            ("PATCH", Some(name)) => {
                self.apply(&res, namespace, &name, query, body.unwrap_or_default())
            }
            ("DELETE", Some(name)) => {
                // kube sends DeleteOptions (with dryRun) in the body
                let dry = query.get("dryRun").map(String::as_str) == Some("All")
                    || body.as_ref().is_some_and(|b| b["dryRun"] == json!(["All"]));
                self.delete(&res, namespace, &name, dry)
            }
            _ => status(405, "MethodNotAllowed", "not supported by the fake"),
        }
    }

    /// Answers a SelfSubjectAccessReview from `denied`.
    fn access_review(&self, mut review: Value) -> (u16, Value) {
        let attrs = &review["spec"]["resourceAttributes"];
        let asked = (
            attrs["verb"].as_str().unwrap_or("").to_owned(),
            attrs["resource"].as_str().unwrap_or("").to_owned(),
            attrs["namespace"].as_str().map(str::to_owned),
        );
        let allowed = !self.denied.contains(&asked);
        review["status"] = json!({ "allowed": allowed });
        (201, review)
    }

    fn group_list(&self) -> Value {
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for r in self.resources.iter().filter(|r| !r.group.is_empty()) {
            let versions = groups.entry(&r.group).or_default();
            if !versions.contains(&r.version.as_str()) {
                versions.push(&r.version);
            }
        }
        let groups: Vec<Value> = groups
            .into_iter()
            .map(|(g, vs)| {
                let versions: Vec<Value> = vs
                    .iter()
                    .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                    .collect();
                json!({"name": g, "versions": versions, "preferredVersion": versions[0].clone()})
            })
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    fn resource_list(&self, group: &str, version: &str) -> (u16, Value) {
        let resources: Vec<Value> = self
            .resources
            .iter()
            .filter(|r| r.group == group && r.version == version)
            .map(|r| {
                json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                       "kind": r.kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
            })
            .collect();
        if resources.is_empty() {
            return status(404, "NotFound", "no such group version");
        }
        let gv = if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        };
        (
            200,
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
        )
    }

    fn key(res: &Resource, namespace: Option<String>, name: &str) -> Key {
        (
            res.group.clone(),
            res.plural.clone(),
            namespace,
            name.to_owned(),
        )
    }

    fn get(&mut self, res: &Resource, namespace: Option<String>, name: &str) -> (u16, Value) {
        let key = Self::key(res, namespace, name);
        match self.objects.get_mut(&key) {
            Some(obj) => {
                let answer = obj.clone();
                // A CRD becomes Established one read after it is created, so that
                // `apply` has to wait for it.
                if res.kind == "CustomResourceDefinition" && obj.get("status").is_none() {
                    obj["status"] =
                        json!({"conditions": [{"type": "Established", "status": "True"}]});
                }
                (200, answer)
            }
            None => status(
                404,
                "NotFound",
                &format!("{} \"{name}\" not found", res.plural),
            ),
        }
    }

    fn list(
        &self,
        res: &Resource,
        namespace: Option<String>,
        query: &BTreeMap<String, String>,
    ) -> (u16, Value) {
        let selector: Vec<(String, String)> = query
            .get("labelSelector")
            .map(|s| {
                s.split(',')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|((g, p, ns, _), _)| {
                *g == res.group && *p == res.plural && (namespace.is_none() || *ns == namespace)
            })
            .filter(|(_, o)| {
                selector
                    .iter()
                    .all(|(k, v)| o["metadata"]["labels"][k.as_str()].as_str() == Some(v.as_str()))
            })
            .map(|(_, o)| o.clone())
            .collect();
        let api_version = if res.group.is_empty() {
            res.version.clone()
        } else {
            format!("{}/{}", res.group, res.version)
        };
        (
            200,
            json!({"kind": format!("{}List", res.kind), "apiVersion": api_version,
                     "metadata": {"resourceVersion": self.next_rv.to_string()}, "items": items}),
        )
    }

    fn apply(
        &mut self,
        res: &Resource,
        namespace: Option<String>,
        name: &str,
        query: &BTreeMap<String, String>,
        patch: Value,
    ) -> (u16, Value) {
        if let Some(code) = self.fail_patches.pop_front() {
            return status(
                code,
                if code == 429 {
                    "TooManyRequests"
                } else {
                    "InternalError"
                },
                "try again later",
            );
        }
        // As a real API server: nothing is created in a namespace that does not exist.
        if let Some(ns) = &namespace
            && !self
                .objects
                .contains_key(&("".into(), "namespaces".into(), None, ns.clone()))
        {
            return status(404, "NotFound", &format!("namespaces \"{ns}\" not found"));
        }
        let key = Self::key(res, namespace.clone(), name);
        let existing = self.objects.get(&key).cloned();
        let force = query.get("force").map(String::as_str) == Some("true");
        if let Some(live) = &existing {
            for (plural, n, field, manager) in &self.conflicts {
                if *plural == res.plural
                    && n == name
                    && get_path(&patch, field) != get_path(live, field)
                    && !force
                {
                    let gv = if res.group.is_empty() {
                        res.version.clone()
                    } else {
                        format!("{}/{}", res.group, res.version)
                    };
                    let message = format!("conflict with \"{manager}\" using {gv}");
                    return (
                        409,
                        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 409,
                        "reason": "Conflict",
                        "message": format!("Apply failed with 1 conflict: {message}: {field}"),
                        "details": {"name": name, "kind": res.plural,
                            "causes": [{"reason": "FieldManagerConflict", "message": message, "field": field}]}}),
                    );
                }
            }
        }
        let mut merged = patch.clone();
        let meta = merged["metadata"].as_object_mut().expect("metadata");
        if let Some(ns) = &namespace {
            meta.insert("namespace".into(), json!(ns));
        }
        let previous_meta = existing
            .as_ref()
            .map(|e| e["metadata"].clone())
            .unwrap_or_default();
        let uid = previous_meta["uid"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                self.next_uid += 1;
                format!("00000000-0000-4000-8000-{:012}", self.next_uid)
            });
        meta.insert("uid".into(), json!(uid));
        let changed = match &existing {
            None => true,
            Some(live) => {
                let mut a = live.clone();
                let mut b = merged.clone();
                for v in [&mut a, &mut b] {
                    if let Some(m) = v["metadata"].as_object_mut() {
                        for k in ["resourceVersion", "uid", "managedFields", "generation"] {
                            m.remove(k);
                        }
                    }
                    if let Some(o) = v.as_object_mut() {
                        o.remove("status");
                    }
                }
                a != b
            }
        };
        let rv = if changed {
            self.next_rv += 1;
            self.next_rv.to_string()
        } else {
            previous_meta["resourceVersion"]
                .as_str()
                .unwrap_or("0")
                .to_owned()
        };
        let generation = previous_meta["generation"].as_i64().unwrap_or(0) + i64::from(changed);
        let meta = merged["metadata"].as_object_mut().unwrap();
        meta.insert("resourceVersion".into(), json!(rv));
        meta.insert("generation".into(), json!(generation));
        if let Some(s) = existing.as_ref().and_then(|e| e.get("status")) {
            merged["status"] = s.clone();
        }
        if query.get("dryRun").map(String::as_str) == Some("All") {
            if !changed {
                merged["metadata"]["resourceVersion"] = previous_meta["resourceVersion"].clone();
            }
            return (200, merged);
        }
        if force {
            self.conflicts
                .retain(|(p, n, _, _)| !(*p == res.plural && n == name));
        }
        if res.kind == "CustomResourceDefinition" && existing.is_none() {
            let spec = &merged["spec"];
            for v in spec["versions"].as_array().into_iter().flatten() {
                self.resources.push(Resource {
                    group: spec["group"].as_str().unwrap_or("").into(),
                    version: v["name"].as_str().unwrap_or("").into(),
                    kind: spec["names"]["kind"].as_str().unwrap_or("").into(),
                    plural: spec["names"]["plural"].as_str().unwrap_or("").into(),
                    namespaced: spec["scope"] == "Namespaced",
                });
            }
        }
        self.objects.insert(key, merged.clone());
        (if existing.is_some() { 200 } else { 201 }, merged)
    }

    fn delete(
        &mut self,
        res: &Resource,
        namespace: Option<String>,
        name: &str,
        dry_run: bool,
    ) -> (u16, Value) {
        let key = Self::key(res, namespace, name);
        let Some(obj) = self.objects.get(&key).cloned() else {
            return status(
                404,
                "NotFound",
                &format!("{} \"{name}\" not found", res.plural),
            );
        };
        if !dry_run {
            self.objects.remove(&key);
        }
        (200, obj)
    }
}
