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
#[cfg(os_store)]
mod with_os_store {
    use super::*;

    /// A store with its tokens in keyring's mock: leaked, as the platform's
    /// store lives as long as the process.
    fn with_mock(scratch: &Scratch) -> Store {
        let mock: &'static OsStore = Box::leak(Box::new(os_store::tests::mock()));
        scratch.store().with_os_store(mock)
    }

    /// A store whose OS credential store refuses everything.
    fn with_refusing(scratch: &Scratch) -> Store {
        let refusing: &'static OsStore = Box::leak(Box::new(OsStore::with_builder(Box::new(
            os_store::tests::Refusing,
        ))));
        scratch.store().with_os_store(refusing)
    }

    /// Saves `token` as the default profile's login for `url`.
    fn save(store: &Store, url: &str, token: &str, insecure: bool) -> Result<Kept, CliError> {
        let (kept, left) = store.save_login(DEFAULT_PROFILE, url, stored(token), insecure, |_| {})?;
        assert_eq!(left, None, "the replaced login's entries were removed");
        Ok(kept)
    }

    /// The OS credential store's account of the default login for `url`.
    fn account(store: &Store, url: &str) -> String {
        let login = store.load_entry(DEFAULT_PROFILE, url).unwrap().unwrap();
        login.keyring.expect("kept in the OS credential store")
    }

    #[test]
    fn a_login_keeps_its_token_in_the_os_store_and_logout_removes_it() {
        let scratch = Scratch::new("os-store");
        let store = with_mock(&scratch);
        let kept = save(&store, "http://x", "stl_TEST_in_store", false).unwrap();
        assert_eq!(kept, Kept::OsStore("the test credential store"));
        let file = fs::read_to_string(store.path()).unwrap();
        assert!(
            !file.contains("stl_TEST_in_store"),
            "the token is not in the file: {file}"
        );
        assert!(file.contains("\"keyring\""), "{file}");
        let first = account(&store, "http://x");
        assert_eq!(
            store.load(DEFAULT_PROFILE, "http://x").unwrap().map(|s| s.token),
            Some("stl_TEST_in_store".into())
        );

        // A new login replaces the entry: the old one is removed.
        save(&store, "http://x", "stl_TEST_second", false).unwrap();
        assert_eq!(
            store.os_store.get(&first).unwrap(),
            None,
            "the replaced entry is gone"
        );
        let second = account(&store, "http://x");
        assert_ne!(second, first);

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
        let store = with_refusing(&scratch);
        let Kept::FellBack(why) = save(&store, "http://x", "stl_TEST_file", false).unwrap() else {
            panic!("fell back");
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
        assert_eq!(
            save(&mocked, "http://y", "stl_TEST_insecure", true).unwrap(),
            Kept::File
        );
        assert!(fs::read_to_string(mocked.path())
            .unwrap()
            .contains("stl_TEST_insecure"));
    }

    #[test]
    fn a_login_kept_in_the_store_is_not_moved_to_the_file_when_the_store_fails() {
        let scratch = Scratch::new("no-silent-move");
        let mocked = with_mock(&scratch);
        save(&mocked, "http://x", "stl_TEST_kept", false).unwrap();
        let kept_in = account(&mocked, "http://x");
        // The same file, the store refusing now (a session without D-Bus).
        let refusing = with_refusing(&scratch);
        let error = save(&refusing, "http://x", "stl_TEST_new", false).unwrap_err();
        assert_eq!(error.code, 3);
        assert!(error.message.contains("--insecure-storage"), "{}", error.message);
        assert!(!error.message.contains("stl_TEST_new"));
        assert_eq!(account(&mocked, "http://x"), kept_in, "the login is as it was");
        assert!(!fs::read_to_string(mocked.path())
            .unwrap()
            .contains("stl_TEST_new"));
        // Asked for, the file is used; the old entry, which the refusing
        // store cannot remove, is said to be left.
        let (kept, left) = refusing
            .save_login(DEFAULT_PROFILE, "http://x", stored("stl_TEST_new"), true, |_| {})
            .unwrap();
        assert_eq!(kept, Kept::File);
        assert!(left.is_some_and(|left| left.contains(&kept_in)));
    }

    #[test]
    fn an_entry_whose_write_timed_out_is_removed_by_logout() {
        let scratch = Scratch::new("timed-out");
        let store = with_mock(&scratch);
        let late = os_store::new_account(DEFAULT_PROFILE, "http://x").unwrap();
        // The write that answered too late, landed after all.
        store.os_store.put(&late, "stl_TEST_late").unwrap();
        let mut login = stored("stl_TEST_file");
        login.keyring_timed_out = Some(late.clone());
        put(&store, "http://x", login).unwrap();
        let written: serde_json::Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(
            written["version"], 3,
            "an older steps must not drop the entry's name"
        );
        assert_eq!(
            store.remove(DEFAULT_PROFILE, "http://x").unwrap(),
            Removed::Login(None)
        );
        assert_eq!(store.os_store.get(&late).unwrap(), None, "removed with the login");
    }

    #[test]
    fn a_token_the_store_no_longer_has_is_a_clear_auth_error() {
        let scratch = Scratch::new("gone");
        let store = with_mock(&scratch);
        save(&store, "http://x", "stl_TEST_gone", false).unwrap();
        store.os_store.delete(&account(&store, "http://x")).unwrap();
        let error = store.load(DEFAULT_PROFILE, "http://x").err().expect("refused");
        assert_eq!(error.code, 3);
        assert!(error.message.contains("no longer in"), "{}", error.message);
    }
}
