package io.bypass.samples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.samples.latency.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Repeated runs of a measurement: the run with the median headline stands for them, and all are listed. */
class TargetResultTest {
    private static final Target B = Targets.all(50).get(1);

    private static Measurement.Bulk gbit(double g) {
        return new Measurement.Bulk(1_000_000_000L, Math.round(8e9 / g));
    }

    @Test
    void theRunWithTheMedianHeadlineIsReportedAndEveryRunListed() {
        TargetResult r = new TargetResult(B);
        Measurement.Bulk slow = gbit(12);
        Measurement.Bulk median = gbit(30);
        Measurement.Bulk fast = gbit(101);
        r.add(B.bypass(), fast);
        r.add(B.bypass(), slow);
        r.add(B.bypass(), median);
        assertSame(median, r.get(B.bypass(), Workload.BULK));
        assertEquals(List.of(fast, slow, median), r.runs(B.bypass(), Workload.BULK), "in the order they ran");
        // Of two, the worse on every side: the lower rate, the higher round trip.
        r.add(B.kernel(), gbit(20));
        r.add(B.kernel(), gbit(10));
        assertEquals(10, r.get(B.kernel(), Workload.BULK).headline(), 0.01);
        assertNull(r.get(B.bypass(), Workload.RTT));
        assertTrue(r.runs(null, Workload.BULK).isEmpty());
    }

    @Test
    void theTableListsEveryRunWhenMeasurementsRepeat() {
        TargetResult r = new TargetResult(B);
        r.add(B.kernel(), gbit(15));
        r.add(B.bypass(), gbit(40));
        r.add(B.kernel(), gbit(14));
        r.add(B.bypass(), gbit(30));
        String table = ReportTable.format(List.of(r), ReportOptions.parse(new String[] {"--repeat", "2"}));
        assertTrue(table.contains("    runs, bulk Gbit/s: kernel 15.00, 14.00 | bypass 40.00, 30.00\n"), table);
        String once = ReportTable.format(List.of(r), ReportOptions.parse(new String[] {"--repeat", "1"}));
        assertTrue(!once.contains("runs,"), once);
    }
}
