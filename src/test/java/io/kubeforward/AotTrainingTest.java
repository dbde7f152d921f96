package io.kubeforward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** The AOT training run's queries and its stub upstream's answers are well-formed DNS, as the forwarder checks them. */
class AotTrainingTest {

    @Test
    void theStubAnswersAQueryWithOneARecordForTheSameQuestion() throws IOException {
        byte[] query = AotTraining.query(0x1234, "n7.cached.test", true);
        Message parsedQuery = new Message(query);
        assertThat(parsedQuery.getOPT()).isNotNull();

        Message reply = new Message(TrainingUpstream.reply(query, query.length));
        assertThat(reply.getHeader().getID()).isEqualTo(0x1234);
        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(reply.getQuestion()).isEqualTo(parsedQuery.getQuestion());
        assertThat(reply.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("10.0.0.1"));
    }

    @Test
    void aNameWithAnNxLabelIsAnsweredNxdomainWithoutRecords() throws IOException {
        byte[] query = AotTraining.query(1, AotTraining.name(0, 9), false);
        Message reply = new Message(TrainingUpstream.reply(query, query.length));
        assertThat(reply.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(reply.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void somethingThatIsNotAQueryGetsNoAnswer() {
        byte[] query = AotTraining.query(1, "n1.cached.test", false);
        query[2] |= (byte) 0x80; // a response
        assertThat(TrainingUpstream.reply(query, query.length)).isNull();
        assertThat(TrainingUpstream.reply(new byte[5], 5)).isNull();
    }

    @Test
    void theMixIsSevenHitsTwoForwardedNamesAndOneNxdomainInTen() {
        assertThat(AotTraining.name(0, 3)).isEqualTo("n3.cached.test");
        assertThat(AotTraining.name(0, 2003)).isEqualTo("n3.cached.test");
        assertThat(AotTraining.name(1, 8)).isEqualTo("f1x8.forward.test");
        assertThat(AotTraining.name(2, 19)).isEqualTo("q2x19.nx.cached.test");
    }
}
