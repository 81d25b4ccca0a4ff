import ConnectDynamo
import Vapor

extension Application.Sessions.Provider {
    /// Sessions in a connect-dynamo table:
    ///
    ///     let store = try SessionStore(options: options)
    ///     app.sessions.use(.dynamo(store))
    ///     app.middleware.use(app.sessions.middleware)
    ///
    /// Each session expires with its cookie (`app.sessions.configuration`).
    /// The application does not own the store: close it after the
    /// application has shut down.
    public static func dynamo(_ store: SessionStore) -> Self {
        .init { app in
            app.sessions.use { app in
                DynamoSessions(store: store, configuration: app.sessions.configuration)
            }
        }
    }
}
