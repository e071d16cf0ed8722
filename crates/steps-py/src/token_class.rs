//! `token_class!`: a Python token class (`JobToken`, `ApiKey`) and all its
//! methods, written once over the core's resource; `tokens.rs` invokes it
//! once per class with what differs between them: the Python names of the
//! id, the secret and the user parameter, the constructor, and the docs.

/// Defines the frozen pyclass `$class` over the core's resource `$model`
/// (whose collection is `session.$tokens()`), its `#[pymethods]`, and
/// `BoundResource` for `$model`. Every call goes to the generic `calls.rs`; what a
/// class says of itself (its object name, endpoint, id and secret fields)
/// is read from the core's `Resource`.
///
/// The invocation gives, in this order: the class's docs and header; the
/// constructor (its pyo3 signature, its text signature and the function);
/// then each method whose docs differ between the classes, with its docs
/// (`create` and `read` with their Python parameters: the user parameter's
/// name, and whether `create` makes it optional); then the class's own
/// items. At compile time it checks that the Python names of the id and
/// the secret are the core's field names, and that the text signature
/// shows the core's default lifetime.
macro_rules! token_class {
    (
        $(#[doc = $class_doc:tt])*
        class $class:ident for $model:ty, from $tokens:ident {
            id: $id:ident,
            secret: $secret:ident,
        }
        new($($signature:tt)*) as $text_signature:tt {
            $($new:tt)*
        }
        $(#[doc = $object_name_doc:tt])* get_object_name;
        $(#[doc = $endpoint_doc:tt])* get_endpoint;
        $(#[doc = $token_method_doc:tt])* get_token_method;
        $(#[doc = $create_doc:tt])* create(context, $create_user:ident $(= $create_default:tt)?);
        $(#[doc = $read_doc:tt])* read(context, $user:ident);
        $(#[doc = $delete_doc:tt])* delete;
        $(#[doc = $list_all_doc:tt])* list_all;
        $(#[doc = $rotate_doc:tt])* rotate;
        $(#[doc = $revoke_self_doc:tt])* revoke_self;
        $(#[doc = $whoami_doc:tt])* whoami;
        $(#[doc = $label_doc:tt])* label;
        $(#[doc = $user_id_doc:tt])* user_id;
        $(#[doc = $secret_doc:tt])* secret;
        $($own:tt)*
    ) => {
        $(#[doc = $class_doc])*
        #[::pyo3::pyclass(frozen, dict, module = "steps_cloud")]
        #[derive(Debug)]
        pub(crate) struct $class {
            record: ::std::sync::Mutex<$crate::attributes::Attributes>,
        }

        impl $crate::bound::BoundResource for $model {
            const CLASS: &'static str = stringify!($class);

            fn tokens(session: &::steps::Session) -> ::steps::Tokens<'_, Self> {
                session.$tokens()
            }

            fn extra(&self) -> &::steps::Extra {
                &self.extra
            }
        }

        const _: () = {
            use $crate::bound::{field, has_default, same, DEFAULT_SECONDS};
            assert!(
                same(stringify!($id), <$model as ::steps::Resource>::ID_FIELD),
                "the id attribute is named as the core's id field"
            );
            assert!(
                same(stringify!($secret), <$model as ::steps::Resource>::SECRET_FIELD),
                "the secret attribute is named as the core's secret field"
            );
            assert!(
                has_default($text_signature, field::DURATION, DEFAULT_SECONDS),
                "the text signature shows the core's default lifetime"
            );
        };

        impl From<$crate::attributes::Attributes> for $class {
            fn from(record: $crate::attributes::Attributes) -> Self {
                $class {
                    record: ::std::sync::Mutex::new(record),
                }
            }
        }

        impl $class {
            /// The attributes, locked.
            fn record(&self) -> ::std::sync::MutexGuard<'_, $crate::attributes::Attributes> {
                $crate::lock::lock(&self.record)
            }
        }

        #[::pyo3::pymethods]
        impl $class {
            /// The name of the duration field: 'duration'.
            #[classattr]
            const DURATION_KEY: &'static str = $crate::bound::field::DURATION;
            /// The name of the label field: 'label'.
            #[classattr]
            const LABEL_KEY: &'static str = $crate::bound::field::LABEL;

            #[new]
            #[pyo3(signature = ($($signature)*), text_signature = $text_signature)]
            $($new)*

            $(#[doc = $object_name_doc])*
            #[classmethod]
            fn get_object_name(_cls: &::pyo3::Bound<'_, ::pyo3::types::PyType>) -> &'static str {
                <$model as ::steps::Resource>::NAME
            }

            $(#[doc = $endpoint_doc])*
            #[classmethod]
            fn get_endpoint(_cls: &::pyo3::Bound<'_, ::pyo3::types::PyType>) -> &'static str {
                <$model as ::steps::Resource>::PATH
            }

            /// The collection on `context`, as an `Api` (its `url`, `endpoint`).
            #[classmethod]
            fn get_api(
                _cls: &::pyo3::Bound<'_, ::pyo3::types::PyType>,
                context: &::pyo3::Bound<'_, $crate::context::CloudContext>,
            ) -> $crate::context::Api {
                $crate::calls::api::<$model>(context)
            }

            $(#[doc = $token_method_doc])*
            #[classmethod]
            fn get_token_method(_cls: &::pyo3::Bound<'_, ::pyo3::types::PyType>) -> &'static str {
                <$model as ::steps::Resource>::SECRET_FIELD
            }

            $(#[doc = $create_doc])*
            #[pyo3(signature = (context, $create_user $(= $create_default)?))]
            fn create(
                &self,
                py: ::pyo3::Python<'_>,
                context: &::pyo3::Bound<'_, $crate::context::CloudContext>,
                $create_user: Option<&::pyo3::Bound<'_, $crate::user::User>>,
            ) -> ::pyo3::PyResult<()> {
                $crate::calls::create::<$model>(py, &self.record, context, $create_user)
            }

            $(#[doc = $read_doc])*
            #[pyo3(signature = (context, $user))]
            fn read<'py>(
                &self,
                py: ::pyo3::Python<'py>,
                context: &::pyo3::Bound<'py, $crate::context::CloudContext>,
                $user: Option<&::pyo3::Bound<'py, $crate::user::User>>,
            ) -> ::pyo3::PyResult<::pyo3::Bound<'py, ::pyo3::types::PyDict>> {
                $crate::calls::read::<$model>(py, &self.record, context, $user)
            }

            $(#[doc = $delete_doc])*
            #[pyo3(signature = (context, $user))]
            fn delete(
                &self,
                py: ::pyo3::Python<'_>,
                context: &::pyo3::Bound<'_, $crate::context::CloudContext>,
                $user: Option<&::pyo3::Bound<'_, $crate::user::User>>,
            ) -> ::pyo3::PyResult<()> {
                $crate::calls::delete::<$model>(py, &self.record, context, $user)
            }

            $(#[doc = $list_all_doc])*
            #[classmethod]
            #[pyo3(signature = (context, admin))]
            fn list_all(
                cls: &::pyo3::Bound<'_, ::pyo3::types::PyType>,
                context: &::pyo3::Bound<'_, $crate::context::CloudContext>,
                admin: Option<&::pyo3::Bound<'_, $crate::user::User>>,
            ) -> ::pyo3::PyResult<Vec<::pyo3::Py<$class>>> {
                let py = cls.py();
                $crate::calls::list_all::<$model>(py, context, admin)?
                    .into_iter()
                    .map(|record| ::pyo3::Py::new(py, $class::from(record)))
                    .collect()
            }

            $(#[doc = $rotate_doc])*
            #[pyo3(signature = (context, $user, grace = None))]
            fn rotate(
                &self,
                py: ::pyo3::Python<'_>,
                context: &::pyo3::Bound<'_, $crate::context::CloudContext>,
                $user: Option<&::pyo3::Bound<'_, $crate::user::User>>,
                grace: Option<u64>,
            ) -> ::pyo3::PyResult<()> {
                $crate::calls::rotate::<$model>(py, &self.record, context, $user, grace)
            }

            $(#[doc = $revoke_self_doc])*
            fn revoke_self(
                &self,
                py: ::pyo3::Python<'_>,
                context: &::pyo3::Bound<'_, $crate::context::CloudContext>,
            ) -> ::pyo3::PyResult<()> {
                $crate::calls::revoke_self::<$model>(py, &self.record, context)
            }

            $(#[doc = $whoami_doc])*
            fn whoami<'py>(
                &self,
                py: ::pyo3::Python<'py>,
                context: &::pyo3::Bound<'py, $crate::context::CloudContext>,
            ) -> ::pyo3::PyResult<::pyo3::Bound<'py, ::pyo3::types::PyDict>> {
                $crate::calls::whoami::<$model>(py, &self.record, context)
            }

            $(#[doc = $label_doc])*
            #[getter]
            fn get_label(&self) -> Option<String> {
                self.record().label.clone()
            }

            #[setter]
            fn set_label(&self, label: Option<String>) {
                self.record().label = label;
            }

            /// Its lifetime in seconds.
            #[getter]
            fn get_duration(&self) -> i64 {
                self.record().duration
            }

            #[setter]
            fn set_duration(&self, duration: i64) {
                self.record().duration = duration;
            }

            /// Its id: -1 until created.
            #[getter($id)]
            fn get_id(&self) -> i64 {
                self.record().id
            }

            #[setter($id)]
            fn set_id(&self, id: i64) {
                self.record().id = id;
            }

            $(#[doc = $user_id_doc])*
            #[getter]
            fn get_user_id(&self) -> i64 {
                self.record().user_id
            }

            #[setter]
            fn set_user_id(&self, user_id: i64) {
                self.record().user_id = user_id;
            }

            $(#[doc = $secret_doc])*
            #[getter($secret)]
            fn get_secret(&self) -> String {
                self.record().exposed()
            }

            #[setter($secret)]
            fn set_secret(&self, secret: &str) {
                self.record().set_secret(secret);
            }

            /// When it was created (Unix seconds), or None.
            #[getter]
            fn get_created_at(&self) -> Option<i64> {
                self.record().created_at
            }

            #[setter]
            fn set_created_at(&self, at: Option<i64>) {
                self.record().created_at = at;
            }

            /// When it expires (Unix seconds), or None.
            #[getter]
            fn get_expires_at(&self) -> Option<i64> {
                self.record().expires_at
            }

            #[setter]
            fn set_expires_at(&self, at: Option<i64>) {
                self.record().expires_at = at;
            }

            /// When its secret was last rotated (Unix seconds), or None.
            #[getter]
            fn get_rotated_at(&self) -> Option<i64> {
                self.record().rotated_at
            }

            #[setter]
            fn set_rotated_at(&self, at: Option<i64>) {
                self.record().rotated_at = at;
            }

            fn __getattr__(&self, py: ::pyo3::Python<'_>, name: &str) -> ::pyo3::PyResult<::pyo3::Py<::pyo3::PyAny>> {
                self.record()
                    .extra_attribute(py, <$model as $crate::bound::BoundResource>::CLASS, name)
            }

            fn __repr__(&self) -> String {
                self.record().repr::<$model>()
            }

            $($own)*
        }
    };
}

pub(crate) use token_class;
