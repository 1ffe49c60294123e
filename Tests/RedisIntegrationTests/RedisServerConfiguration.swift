import SwitchboardRedis
import SwitchboardTestSupport

extension RedisServerProcess {
    /// Default client settings for this server.
    var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: port) }
}
