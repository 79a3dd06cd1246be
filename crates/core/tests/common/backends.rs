//! The archive's two backends for tests: a fresh SQLite file, or a database on a fresh PostgreSQL
//! cluster (tests/common/pg.rs), and a macro that runs a test against each.

use std::sync::Arc;

use rollcall_core::archive::Archive;

/// The two archive backends the archive's tests run against.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    File,
    Server,
}

/// A fresh archive of a backend: a new file, or a new cluster's database (removed at the end).
pub struct Fresh {
    pub arch: Arc<Archive>,
    pub file: Option<std::path::PathBuf>,
    _server: Option<super::pg::PgCluster>,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for end in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{end}", f.display()));
            }
        }
    }
}

/// None only where no PostgreSQL server can run (not Linux): that backend is then not tested here.
pub fn archive(b: Backend) -> Option<Fresh> {
    Some(match b {
        Backend::File => {
            let p =
                std::env::temp_dir().join(format!("rollcall-sync-{}.sqlite", uuid::Uuid::new_v4()));
            Fresh {
                arch: Arc::new(Archive::open(&p).unwrap()),
                file: Some(p),
                _server: None,
            }
        }
        Backend::Server => {
            let pg = super::pg::PgCluster::start()?;
            let arch = Archive::connect(
                &rollcall_core::archive::ServerAddress::parse(&pg.address(&pg.user, &pg.database))
                    .unwrap(),
                Some(&rollcall_graph::Secret::new(pg.password.clone())),
            )
            .unwrap();
            Fresh {
                arch: Arc::new(arch),
                file: None,
                _server: Some(pg),
            }
        }
    })
}

/// Each test as `name::file` and `name::postgres`.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),*) => {$(
        mod $name {
            #[tokio::test]
            async fn file() {
                super::$name($crate::common::backends::Backend::File).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::common::backends::Backend::Server).await
            }
        }
    )*};
}

#[allow(unused_imports)]
pub(crate) use on_both_backends;
