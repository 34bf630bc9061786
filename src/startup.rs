//! Builds the application from configuration and serves it until a shutdown signal.

use crate::{
    config::{Config, SeedDemo, StorageConfig},
    database::{self, DatabaseError},
    demo,
    extract::{self, Extractor},
    housekeeping,
    http::{
        assets::{AssetsError, SiteAssets},
        auth, documents, export,
        health::health,
        imports, middleware, saml,
    },
};
use app::{
    App, OUTPUT_NAME, shell,
    state::{AppState, Settings},
    storage::{LocalDisk, ObjectStore, S3Store, StorageError},
};
use axum::{Router, middleware::from_fn_with_state, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::{net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("creating the demo tenant failed")]
    Demo(#[from] demo::DemoError),
    #[error("could not create the files folder {path}")]
    FilesDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "document storage ({place}) cannot be used: check that it is reachable and that the configured keys may write to it"
    )]
    Storage {
        place: String,
        #[source]
        source: StorageError,
    },
    #[error(transparent)]
    Assets(#[from] AssetsError),
    #[error("could not listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped with an error")]
    Serve(#[source] std::io::Error),
}

/// A started (bound, migrated) server, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    pub addr: SocketAddr,
    pub state: AppState,
    extractor: Extractor,
    import_worker: bool,
}

impl Application {
    /// Migrates as the owner, optionally seeds the demo tenant, connects as the app role and binds.
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let owner = database::connect(&config.owner_db, 2).await?;
        database::migrate(&owner).await?;
        if config.seed_demo == SeedDemo::IfEmpty
            && let Some(report) = demo::seed_if_empty(
                &owner,
                &config.demo_password,
                config.auth.secret_key.expose(),
                &config.demo_feed_addr,
            )
            .await?
        {
            report.print_sign_in(&config);
        }
        owner.close().await;

        let pool = database::connect(&config.app_db, config.db_max_connections).await?;
        tokio::fs::create_dir_all(&config.files_dir)
            .await
            .map_err(|source| StartupError::FilesDir { path: config.files_dir.display().to_string(), source })?;

        let (storage, place): (Arc<dyn ObjectStore>, String) = match &config.storage {
            StorageConfig::Local(dir) => (Arc::new(LocalDisk::new(dir)), format!("folder {}", dir.display())),
            StorageConfig::S3(s3) => (Arc::new(S3Store::new(s3)), format!("bucket {} at {}", s3.bucket, s3.endpoint)),
        };
        storage.check().await.map_err(|source| StartupError::Storage { place, source })?;

        let listener =
            TcpListener::bind(config.bind).await.map_err(|source| StartupError::Bind { addr: config.bind, source })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind { addr: config.bind, source })?;
        let assets = Arc::new(SiteAssets::load(&config.site_root, OUTPUT_NAME)?);
        let leptos_options = LeptosOptions::builder()
            .output_name(assets.bundle())
            .site_root(config.site_root.display().to_string())
            .site_addr(addr)
            .env(if config.production { leptos::config::Env::PROD } else { leptos::config::Env::DEV })
            .build();
        let state = AppState {
            pool,
            settings: Arc::new(Settings {
                base_domain: config.base_domain.clone(),
                default_tenant: config.default_tenant.clone(),
                files_dir: config.files_dir.clone(),
                upload_max_bytes: config.upload_max_bytes,
                upload_kinds: config.upload_kinds.clone(),
                auth: config.auth.clone(),
            }),
            leptos_options,
            tenants: Arc::default(),
            tenant_memo: Arc::new(app::cache::TenantMemo::new(std::time::Duration::from_secs(30), 100_000)),
            storage,
            db_gate: Arc::default(),
        };
        let router = router(state.clone(), assets);
        Ok(Application {
            listener,
            router,
            addr,
            state,
            extractor: config.extractor.clone(),
            import_worker: config.import_worker,
        })
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests and closes the pool.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let pool = self.state.pool.clone();
        let housekeeping = housekeeping::spawn(self.state.clone());
        let extraction = extract::worker::spawn(self.state.clone(), self.extractor);
        let imports = self.import_worker.then(|| crate::imports::spawn(self.state.clone()));
        let sync = crate::sync::spawn(crate::sync::Ctx::of(&self.state), crate::sync::Tuning::default());
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(StartupError::Serve)?;
        housekeeping.abort();
        extraction.abort();
        sync.abort();
        if let Some(imports) = imports {
            imports.abort();
        }
        pool.close().await;
        tracing::info!("stopped cleanly");
        Ok(())
    }
}

fn router(state: AppState, assets: Arc<SiteAssets>) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let https = state.settings.auth.https;
    // Every page renders with the state (and the request's scope, for resources loaded on other tasks).
    let page_context = move || {
        provide_context(context_state.clone());
        if let Some(scope) = app::request::RequestScope::current() {
            provide_context(scope);
        }
    };
    let not_found_options = shell_options.clone();
    let router = Router::new()
        .route("/healthz", get(health))
        .route("/saml/metadata", get(saml::metadata))
        .route("/saml/login", get(saml::login))
        .route("/saml/acs", axum::routing::post(saml::consume))
        .route("/projects/export.csv", get(export::projects))
        .route("/contacts/export.csv", get(export::contacts))
        .route("/organizations/export.csv", get(export::organizations))
        .route("/documents/upload", axum::routing::post(documents::upload))
        .route("/imports/upload", axum::routing::post(imports::upload))
        .route("/imports/{id}/rejected.csv", get(imports::rejected))
        .route("/documents/{id}/download", get(documents::download))
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || shell(shell_options.clone()))
        // Not a route: the app's not-found page (404). Files are the asset router's, never read from here.
        .fallback(leptos_axum::render_app_async_with_context(page_context, move || shell(not_found_options.clone())))
        // Innermost first: the visitor needs the session; the cross-site check runs before either.
        .layer(from_fn_with_state(state.clone(), auth::resolve_visitor))
        .layer(auth::session_layer(&state))
        .layer(from_fn_with_state(state.clone(), auth::refuse_cross_site))
        // Outermost of the three: during a database outage, requests are answered at once.
        .layer(from_fn_with_state(state.clone(), middleware::database_gate))
        .with_state(state)
        .layer(middleware::compression())
        // After the layers above: the site's files are answered from memory, never through a session, the
        // visitor's tenant or the database gate.
        .merge(assets.router());
    middleware::wrap(router, https)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}
