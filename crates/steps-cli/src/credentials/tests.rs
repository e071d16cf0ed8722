//! The credentials file's tests: private from the start, concurrent
//! updates, planted temporary files, and tokens in the OS credential store
//! (keyring's mock, and a store that refuses).

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use super::*;

#[test]
fn the_default_directory_follows_the_xdg_rules() {
    let dir = |xdg: Option<&str>, home: Option<&str>| default_dir(xdg.map(Into::into), home.map(Into::into));
    let home_config = "/home/ada/.config/steps";
    assert_eq!(
        dir(Some("/xdg"), Some("/home/ada")),
        Some(PathBuf::from("/xdg/steps"))
    );
    assert_eq!(
        dir(Some("relative"), Some("/home/ada")),
        Some(PathBuf::from(home_config))
    );
    assert_eq!(dir(Some(""), Some("/home/ada")), Some(PathBuf::from(home_config)));
    assert_eq!(dir(None, Some("/home/ada")), Some(PathBuf::from(home_config)));
    assert_eq!(dir(None, Some("")), None);
    assert_eq!(dir(Some("relative"), Some("also/relative")), None);
    assert_eq!(dir(None, None), None);
}

fn stored(token: &str) -> Stored {
    Stored {
        token: token.into(),
        keyring: None,
        keyring_timed_out: None,
        email: Some("a@b".into()),
        expires_at: None,
        logged_in_at: None,
    }
}

/// Stores `stored` as the default profile's login for `url`.
fn put(store: &Store, url: &str, stored: Stored) -> Result<(), CliError> {
    store.update(|c| {
        c.profiles
            .entry(DEFAULT_PROFILE.to_owned())
            .or_default()
            .logins
            .insert(url.to_owned(), stored);
    })
}

/// A fresh directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("steps-cred-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Scratch(dir)
    }

    fn store(&self) -> Store {
        Store::locate(Some(&self.0.join("steps"))).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_file_is_private_from_the_start_and_others_readable_files_are_refused() {
    let scratch = Scratch::new("private");
    let store = scratch.store();
    put(&store, "http://x", stored("stl_TEST")).unwrap();
    put(&store, "http://y", stored("stl_TEST")).unwrap();
    let path = store.path().to_owned();
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(
        fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        store.load(DEFAULT_PROFILE, "http://x").unwrap().map(|s| s.token),
        Some("stl_TEST".into())
    );
    assert_eq!(
        store.remove(DEFAULT_PROFILE, "http://x").unwrap(),
        Removed::Login(None)
    );
    assert_eq!(
        store.remove(DEFAULT_PROFILE, "http://x").unwrap(),
        Removed::Nothing
    );
    assert!(store.load(DEFAULT_PROFILE, "http://x").unwrap().is_none());
    assert!(store.load(DEFAULT_PROFILE, "http://y").unwrap().is_some());
    // No temporary file is left behind.
    assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let error = store.load(DEFAULT_PROFILE, "http://y").err().expect("refused");
    assert_eq!(error.code, 3);
    assert!(error.message.contains("chmod 600"), "{}", error.message);
    let error = put(&store, "http://z", stored("stl_TEST")).expect_err("refused");
    assert_eq!(error.code, 3);
    // Logout removes it whole, and says why.
    assert_eq!(
        store.remove(DEFAULT_PROFILE, "http://nothing-here").unwrap(),
        Removed::UnsafeFile(0o640)
    );
    assert!(!path.exists());
}

#[test]
fn concurrent_stores_keep_each_others_entries() {
    let scratch = Scratch::new("concurrent");
    let store = Arc::new(scratch.store());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..10 {
                    put(&store, &format!("http://host-{t}-{i}"), stored("stl_TEST")).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    for t in 0..8 {
        for i in 0..10 {
            assert!(
                store
                    .load(DEFAULT_PROFILE, &format!("http://host-{t}-{i}"))
                    .unwrap()
                    .is_some(),
                "{t}-{i} was lost"
            );
        }
    }
    assert_eq!(
        fs::read_dir(scratch.0.join("steps")).unwrap().count(),
        1,
        "a temporary file was left"
    );
}

#[test]
fn a_file_at_a_guessable_temporary_name_is_neither_an_obstacle_nor_removed() {
    let scratch = Scratch::new("planted");
    let store = scratch.store();
    put(&store, "http://x", stored("stl_TEST")).unwrap();
    // The name the temporary file once had: anyone who can guess it
    // could make every login fail, and a failed login removed it.
    let planted = scratch
        .0
        .join("steps")
        .join(format!(".credentials.json.{}.tmp", std::process::id()));
    fs::write(&planted, "not yours").unwrap();
    put(&store, "http://y", stored("stl_TEST")).unwrap();
    assert_eq!(fs::read_to_string(&planted).unwrap(), "not yours");
}

/// The OS credential store's part: keyring's mock, and a store that
/// refuses (only where the real store is built).
#[cfg(all(
    feature = "keyring",
    any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        windows
    )
))]
mod with_os_store {
    use super::*;

    /// A store with its tokens in keyring's mock: leaked, as the platform's
    /// store lives as long as the process.
    fn with_mock(scratch: &Scratch) -> Store {
        let mock: &'static OsStore = Box::leak(Box::new(os_store::tests::mock()));
        scratch.store().with_os_store(mock)
    }

    #[test]
    fn a_login_keeps_its_token_in_the_os_store_and_logout_removes_it() {
        let scratch = Scratch::new("os-store");
        let store = with_mock(&scratch);
        let kept = store
            .save_login(
                DEFAULT_PROFILE,
                "http://x",
                stored("stl_TEST_in_store"),
                false,
                |_| {},
            )
            .unwrap();
        assert_eq!(kept, Kept::OsStore("the test credential store"));
        let file = fs::read_to_string(store.path()).unwrap();
        assert!(
            !file.contains("stl_TEST_in_store"),
            "the token is not in the file: {file}"
        );
        assert!(file.contains("\"keyring\""), "{file}");
        let account = store
            .load_all()
            .unwrap()
            .login(DEFAULT_PROFILE, "http://x")
            .unwrap()
            .keyring
            .clone()
            .unwrap();
        assert_eq!(
            store.load(DEFAULT_PROFILE, "http://x").unwrap().map(|s| s.token),
            Some("stl_TEST_in_store".into())
        );

        // A new login replaces the entry: the old one is removed.
        store
            .save_login(
                DEFAULT_PROFILE,
                "http://x",
                stored("stl_TEST_second"),
                false,
                |_| {},
            )
            .unwrap();
        assert_eq!(
            store.os_store.get(&account).unwrap(),
            None,
            "the replaced entry is gone"
        );
        let second = store
            .load_all()
            .unwrap()
            .login(DEFAULT_PROFILE, "http://x")
            .unwrap()
            .keyring
            .clone()
            .unwrap();
        assert_ne!(second, account);

        assert_eq!(
            store.remove(DEFAULT_PROFILE, "http://x").unwrap(),
            Removed::Login(None)
        );
        assert_eq!(
            store.os_store.get(&second).unwrap(),
            None,
            "logout removed it from the store"
        );
    }

    #[test]
    fn insecure_storage_and_a_refusing_store_keep_the_token_in_the_private_file() {
        let scratch = Scratch::new("refusing");
        let refusing: &'static OsStore = Box::leak(Box::new(OsStore::with_builder(Box::new(
            os_store::tests::Refusing,
        ))));
        let store = scratch.store().with_os_store(refusing);
        let kept = store
            .save_login(
                DEFAULT_PROFILE,
                "http://x",
                stored("stl_TEST_file"),
                false,
                |_| {},
            )
            .unwrap();
        let Kept::FellBack(why) = kept else {
            panic!("fell back: {kept:?}");
        };
        assert!(why.contains("locked"), "{why}");
        assert!(!why.contains("stl_TEST_file"));
        assert_eq!(
            fs::metadata(store.path()).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            store.load(DEFAULT_PROFILE, "http://x").unwrap().map(|s| s.token),
            Some("stl_TEST_file".into())
        );

        let mocked = with_mock(&scratch);
        let kept = mocked
            .save_login(
                DEFAULT_PROFILE,
                "http://y",
                stored("stl_TEST_insecure"),
                true,
                |_| {},
            )
            .unwrap();
        assert_eq!(kept, Kept::File);
        assert!(fs::read_to_string(mocked.path())
            .unwrap()
            .contains("stl_TEST_insecure"));
    }

    #[test]
    fn a_token_the_store_no_longer_has_is_a_clear_auth_error() {
        let scratch = Scratch::new("gone");
        let store = with_mock(&scratch);
        store
            .save_login(
                DEFAULT_PROFILE,
                "http://x",
                stored("stl_TEST_gone"),
                false,
                |_| {},
            )
            .unwrap();
        let account = store
            .load_all()
            .unwrap()
            .login(DEFAULT_PROFILE, "http://x")
            .unwrap()
            .keyring
            .clone()
            .unwrap();
        store.os_store.delete(&account).unwrap();
        let error = store.load(DEFAULT_PROFILE, "http://x").err().expect("refused");
        assert_eq!(error.code, 3);
        assert!(error.message.contains("no longer in"), "{}", error.message);
    }
}
