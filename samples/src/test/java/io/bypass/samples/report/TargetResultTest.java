package io.bypass.samples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bypass.samples.latency.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Repeated runs of a measurement: the run with the median headline stands for them, and all are
 * listed with the cache-line round trips around them.
 */
class TargetResultTest {
    private static final Target B = Targets.all(50).get(1);

    private static Measurement.Bulk gbit(double g) {
        return new Measurement.Bulk(1_000_000_000L, Math.round(8e9 / g));
    }

    private static TargetResult.Run run(Measurement m) {
        return new TargetResult.Run(m, 120, 451);
    }

    @Test
    void theRunWithTheMedianHeadlineIsReportedAndEveryRunListed() {
        TargetResult r = new TargetResult(B);
        Measurement.Bulk slow = gbit(12);
        Measurement.Bulk median = gbit(30);
        Measurement.Bulk fast = gbit(101);
        r.add(B.bypass(), run(fast));
        r.add(B.bypass(), run(slow));
        r.add(B.bypass(), run(median));
        assertSame(median, r.get(B.bypass(), Workload.BULK));
        assertEquals(List.of(run(fast), run(slow), run(median)), r.runs(B.bypass(), Workload.BULK),
                "in the order they ran");
        // Of two, the worse on every side: the lower rate, the higher round trip.
        r.add(B.kernel(), run(gbit(20)));
        r.add(B.kernel(), run(gbit(10)));
        assertEquals(10, r.get(B.kernel(), Workload.BULK).headline(), 0.01);
        assertNull(r.get(B.bypass(), Workload.RTT));
        assertTrue(r.runs(null, Workload.BULK).isEmpty());
    }

    @Test
    void theTableListsEveryRunWhenMeasurementsRepeat() {
        TargetResult r = new TargetResult(B);
        r.add(B.kernel(), run(gbit(15)));
        r.add(B.bypass(), run(gbit(40)));
        r.add(B.kernel(), new TargetResult.Run(gbit(14), 110, 70));
        r.add(B.bypass(), run(gbit(30)));
        String table = ReportTable.format(List.of(r), ReportOptions.parse(new String[] {"--repeat", "2"}));
        // Each run with the cache-line round trips (ns) just before and after it.
        assertTrue(table.contains("    runs, bulk Gbit/s: kernel 15.00 [120/451], 14.00 [110/70] | bypass 40.00 [120/451],"
                + " 30.00 [120/451]\n"), table);
        String once = ReportTable.format(List.of(r), ReportOptions.parse(new String[] {"--repeat", "1"}));
        assertTrue(!once.contains("runs,"), once);
    }
}
