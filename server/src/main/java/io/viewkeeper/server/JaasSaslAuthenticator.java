package io.viewkeeper.server;

import io.viewkeeper.frontend.SaslAuthenticator;
import java.util.HashMap;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginException;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.zookeeper.Login;
import org.apache.zookeeper.common.ZKConfig;
import org.apache.zookeeper.server.auth.SaslServerCallbackHandler;
import org.apache.zookeeper.util.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SASL for clients configured as ZooKeeper's is: the JAAS file named by {@code java.security.auth.login.config},
 * its section {@code Server} (or {@code zookeeper.sasl.serverconfig}), DIGEST-MD5 users as {@code user_NAME="pw"}
 * options of ZooKeeper's DigestLoginModule, Kerberos through Krb5LoginModule; {@code zookeeper.superUser} (and
 * {@code zookeeper.superUser.*}) name the authorization ids that are super users. ZooKeeper's own {@code Login}, {@code SaslServerCallbackHandler}
 * (Kerberos principal rules: kerberos.removeHostFromPrincipal, kerberos.removeRealmFromPrincipal) and
 * {@code SecurityUtils.createSaslServer} do the work, with ZooKeeper's protocol and server names.
 */
public final class JaasSaslAuthenticator implements SaslAuthenticator, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JaasSaslAuthenticator.class);
    static final String JAAS_FILE_PROPERTY = "java.security.auth.login.config";
    static final String SECTION_PROPERTY = "zookeeper.sasl.serverconfig";
    static final String DEFAULT_SECTION = "Server";
    static final String SUPER_USER_PROPERTY = "zookeeper.superUser";

    private final Login login;
    private final java.util.Set<String> superUsers;

    private JaasSaslAuthenticator(Login login, java.util.Set<String> superUsers) {
        this.login = login;
        this.superUsers = java.util.Set.copyOf(superUsers);
    }

    /** As ZooKeeper: {@code zookeeper.superUser} and every {@code zookeeper.superUser.<anything>} name one. */
    private static java.util.Set<String> superUsers() {
        java.util.Set<String> users = new java.util.HashSet<>();
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.equals(SUPER_USER_PROPERTY) || key.startsWith(SUPER_USER_PROPERTY + ".")) {
                String value = System.getProperty(key);
                if (value != null && !value.isEmpty()) {
                    users.add(value);
                }
            }
        }
        return users;
    }

    /**
     * The authenticator the JVM's JAAS settings describe, or null when they describe none. As ZooKeeper: a JAAS
     * file that cannot be read, when one is named, is a config error; a readable one without the section means no
     * SASL for clients (a server JVM's file may hold only other sections), which is logged; a login that fails is a
     * config error.
     */
    public static JaasSaslAuthenticator fromSystemProperties() {
        String section = System.getProperty(SECTION_PROPERTY, DEFAULT_SECTION);
        String file = System.getProperty(JAAS_FILE_PROPERTY);
        AppConfigurationEntry[] entries;
        try {
            entries = Configuration.getConfiguration().getAppConfigurationEntry(section);
        } catch (SecurityException e) {
            if (file != null || System.getProperty(SECTION_PROPERTY) != null) {
                throw new ConfigException(JAAS_FILE_PROPERTY, "names a JAAS file that cannot be read"
                        + (file == null ? "" : " (" + file + ")") + ": " + e.getMessage());
            }
            return null;
        }
        if (entries == null) {
            if (file != null) {
                log.warn("no JAAS section named '{}' in {}: no SASL for clients (a SASL request is refused)", section,
                        file);
            }
            return null;
        }
        Map<String, String> users = digestUsers(entries);
        try {
            Login login = new Login(section, () -> new SaslServerCallbackHandler(users), new ZKConfig());
            login.startThreadIfNeeded();
            log.info("SASL for clients from the JAAS section '{}' ({} DIGEST-MD5 users)", section, users.size());
            return new JaasSaslAuthenticator(login, superUsers());
        } catch (LoginException e) {
            throw new ConfigException(JAAS_FILE_PROPERTY, "section '" + section + "' does not let the server log in: "
                    + e.getMessage());
        }
    }

    /** ZooKeeper's DigestLoginModule users: each {@code user_NAME} option is NAME's password. */
    private static Map<String, String> digestUsers(AppConfigurationEntry[] entries) {
        Map<String, String> users = new HashMap<>();
        for (AppConfigurationEntry entry : entries) {
            entry.getOptions().forEach((key, value) -> {
                if (key.startsWith("user_")) {
                    users.put(key.substring("user_".length()), String.valueOf(value));
                }
            });
        }
        return users;
    }

    @Override
    public Negotiation start() throws SaslException {
        SaslServer server;
        synchronized (login) {
            server = SecurityUtils.createSaslServer(login.getSubject(), "zookeeper", "zk-sasl-md5",
                    login.newCallbackHandler(), log);
        }
        if (server == null) {
            throw new SaslException("no SASL mechanism the JAAS section offers could be set up");
        }
        return new Negotiation() {
            @Override
            public byte[] evaluate(byte[] token) throws SaslException {
                return server.evaluateResponse(token);
            }

            @Override
            public boolean isComplete() {
                return server.isComplete();
            }

            @Override
            public String authorizationId() {
                return server.getAuthorizationID();
            }

            @Override
            public void dispose() {
                try {
                    server.dispose();
                } catch (SaslException e) {
                    log.debug("SASL: dispose failed: {}", e.toString());
                }
            }
        };
    }

    @Override
    public boolean isSuperUser(String authorizationId) {
        return superUsers.contains(authorizationId);
    }

    @Override
    public void close() {
        login.shutdown();
    }
}
