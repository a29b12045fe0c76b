/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import io.memcached4j.server.clients.Servers.Server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every scenario of {@link Scenarios} with every client: spymemcached, xmemcached and Folsom over ASCII and binary,
 * and pymemcache, each against memcached4j and against the real memcached started side by side; and the embedded
 * cache through its own API. A scenario passes against both servers or the test fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientScenariosTest
{
    private static final Duration SCENARIO_TIMEOUT = Duration.ofSeconds(30);

    /**
     * How to connect one client library to a port.
     */
    interface Opener
    {
        Memcache open(int port) throws Exception;
    }

    private record Library(String name, Opener opener)
    {
    }

    private static final List<Library> LIBRARIES = List.of(
        new Library("spymemcached ascii", port -> new Spymemcached(port, false)),
        new Library("spymemcached binary", port -> new Spymemcached(port, true)),
        new Library("xmemcached text", port -> new Xmemcached(port, false)),
        new Library("xmemcached binary", port -> new Xmemcached(port, true)),
        new Library("folsom ascii", port -> new Folsom(port, false)),
        new Library("folsom binary", port -> new Folsom(port, true)),
        new Library("pymemcache", Pymemcache::new));

    private final List<Server> servers = new ArrayList<>();
    private final List<Session> sessions = new ArrayList<>();
    private final List<String> closeFailures = new ArrayList<>();

    @BeforeAll
    void startServers() throws Exception
    {
        servers.add(Servers.ours(Map.of()));
        if (Files.isExecutable(Servers.MEMCACHED))
        {
            servers.add(Servers.memcached(Map.of()));
        }
    }

    @AfterAll
    void stopServers()
    {
        sessions.forEach(Session::close);
        servers.forEach(Server::close);
        assertEquals(List.of(), closeFailures, "clients that did not close cleanly");
    }

    @TestFactory
    Stream<DynamicNode> clients()
    {
        final List<DynamicNode> nodes = new ArrayList<>();
        for (final Library library : LIBRARIES)
        {
            final List<DynamicNode> perServer = new ArrayList<>();
            for (final Server server : servers)
            {
                perServer.add(DynamicContainer.dynamicContainer(server.name(),
                    scenarios(new Session(() -> library.opener().open(server.port())))));
            }
            if (servers.size() == 1)
            {
                perServer.add(DynamicTest.dynamicTest("memcached", Servers::requireMemcached));
            }
            nodes.add(DynamicContainer.dynamicContainer(library.name(), perServer));
        }
        return nodes.stream();
    }

    @TestFactory
    Stream<DynamicNode> embedded()
    {
        return Stream.of(DynamicContainer.dynamicContainer("embedded", scenarios(new Session(Embedded::new))));
    }

    private Stream<DynamicTest> scenarios(final Session session)
    {
        return Scenarios.ALL.stream().map(scenario -> DynamicTest.dynamicTest(scenario.name(), () ->
        {
            final Memcache client = session.open();
            assumeTrue(client.features().containsAll(scenario.needs()),
                () -> client.name() + " cannot " + scenario.needs());
            final Scenarios.Keys keys = new Scenarios.Keys(
                (client.name() + "/" + scenario.name() + "/").replace(' ', '_'));
            assertTimeoutPreemptively(SCENARIO_TIMEOUT, () -> scenario.body().run(client, keys));
        }));
    }

    /**
     * One client connection shared by the scenarios of a container, opened at the first and closed when the next
     * container opens its own.
     */
    private final class Session
    {
        private final Supplier supplier;
        private Memcache client;
        private Exception failure;

        Session(final Supplier supplier)
        {
            this.supplier = supplier;
        }

        Memcache open() throws Exception
        {
            if (client == null && failure == null)
            {
                for (final Session other : sessions)
                {
                    other.close();
                }
                sessions.clear();
                try
                {
                    client = supplier.get();
                    sessions.add(this);
                }
                catch (final Exception ex)
                {
                    failure = ex;
                }
            }
            if (failure != null)
            {
                throw failure;
            }
            return client;
        }

        void close()
        {
            if (client != null)
            {
                try
                {
                    client.close();
                }
                catch (final RuntimeException ex)
                {
                    closeFailures.add(client.name() + ": " + ex);
                }
            }
        }
    }

    private interface Supplier
    {
        Memcache get() throws Exception;
    }
}
