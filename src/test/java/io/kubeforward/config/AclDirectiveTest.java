package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code acl} directive (CoreDNS's acl, a subset) and {@code acl:} in YAML give the same model. */
class AclDirectiveTest {

    private static ClientAcl acl(String body) {
        return TestCorefiles.parse(".:53 {\n" + body + "\n    forward . 10.0.0.1\n}\n").config().servers().get(0).acl();
    }

    private static List<Cidr> cidrs(String... texts) {
        return java.util.Arrays.stream(texts).flatMap(t -> Cidr.parseSource(t).stream()).toList();
    }

    @Test
    void rulesKeepTheirOrderAndBareActionsMeanEveryClient() {
        assertThat(acl("""
                    acl {
                        allow net 10.0.0.0/8 192.168.1.7 fd00::/8
                        block net 10.1.0.0/16
                        block
                    }""")).isEqualTo(new ClientAcl(List.of(
                new ClientAcl.Rule(true, cidrs("10.0.0.0/8", "192.168.1.7/32", "fd00::/8")),
                new ClientAcl.Rule(false, cidrs("10.1.0.0/16")),
                new ClientAcl.Rule(false, Cidr.ANY))));
    }

    @Test
    void severalAclDirectivesAddUpAndNoneAllowsEveryone() {
        assertThat(acl("    acl {\n        allow net *\n    }\n    acl {\n        block net 127.0.0.0/8\n    }").rules())
                .extracting(ClientAcl.Rule::allow).containsExactly(true, false);
        assertThat(acl("")).isEqualTo(ClientAcl.ALLOW_ALL);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            zones                | acl example.org {\\n allow\\n }       | Corefile:2: acl: zones ('example.org') are not supported (expected: acl { ... }, which applies to the whole server block)
            no rule              | acl                                  | Corefile:2: acl: no rule (expected: acl { ACTION [net SOURCE...] } with ACTION allow or block)
            filter               | acl {\\n filter net 10.0.0.0/8\\n }  | Corefile:3: acl: action 'filter' is not supported (expected: allow or block)
            drop                 | acl {\\n drop\\n }                   | Corefile:3: acl: action 'drop' is not supported (expected: allow or block)
            unknown action       | acl {\\n deny\\n }                   | Corefile:3: acl: unknown action 'deny' (expected: allow or block)
            type                 | acl {\\n block type AAAA\\n }        | Corefile:3: acl: block: 'type' is not supported (expected: net SOURCE...; every query type)
            type after net       | acl {\\n block net * type A\\n }     | Corefile:3: acl: block: 'type' is not supported (expected: net SOURCE...; every query type)
            net without source   | acl {\\n allow net\\n }              | Corefile:3: acl: allow: net without a SOURCE (expected: CIDR, IP or *)
            host name            | acl {\\n allow net example.org\\n }  | Corefile:3: acl: allow: 'example.org' is not an IP address or CIDR
            host bits            | acl {\\n allow net 10.0.0.1/8\\n }   | Corefile:3: acl: allow: '10.0.0.1/8': host bits are set (expected: the network address)
            prefix too long      | acl {\\n allow net 10.0.0.0/33\\n }  | Corefile:3: acl: allow: '10.0.0.0/33': prefix length '33' (expected: 0-32)
            """)
    void refusesWhatItDoesNotSupportAtItsLine(String what, String body, String message) {
        assertThatThrownBy(() -> acl("    " + body.replace("\\n", "\n")))
                .isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void yamlGivesTheSameModelAsTheCorefile() {
        String p = "kubeforward.servers[0].";
        ServerBlock yaml = TestProperties.map(Map.of(p + "zones[0]", ".", p + "forward.to[0]", "10.0.0.1",
                p + "acl[0].action", "allow", p + "acl[0].net[0]", "10.0.0.0/8", p + "acl[0].net[1]", "fd00::/8",
                p + "acl[1].action", "block")).config().servers().get(0);
        ServerBlock corefile = TestCorefiles.parse(".:53 {\n    acl {\n        allow net 10.0.0.0/8 fd00::/8\n        block\n"
                + "    }\n    forward . 10.0.0.1\n}\n").config().servers().get(0);
        assertThat(yaml).isEqualTo(corefile);
        assertThat(yaml.acl().rules()).hasSize(2);
    }

    @Test
    void yamlNamesTheBadProperty() {
        String p = "kubeforward.servers[0].";
        assertThatThrownBy(() -> TestProperties.map(Map.of(p + "zones[0]", ".", p + "acl[0].action", "deny")))
                .hasMessage("kubeforward.servers[0].acl[0].action: 'deny' (expected: allow or block)");
        assertThatThrownBy(() -> TestProperties.map(Map.of(p + "zones[0]", ".", p + "acl[0].action", "allow",
                p + "acl[0].net[0]", "10.0.0.1/8")))
                .hasMessage("kubeforward.servers[0].acl[0].net[0]: '10.0.0.1/8': host bits are set (expected: the network address)");
    }
}
