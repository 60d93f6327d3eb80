package io.bypass.samples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ReportOptionsTest {
    @Test
    void bulkWarmupIsTwoGibWhateverTheMeasuredSize() {
        assertEquals(2L << 30, ReportOptions.parse(new String[0]).bulkWarmupBytes());
        // --quick shortens the measured part only: a cold JIT is not what the bulk figure is about.
        ReportOptions quick = ReportOptions.parse(new String[] {"--quick"});
        assertEquals(64L << 20, quick.bulkBytes());
        assertEquals(2L << 30, quick.bulkWarmupBytes());
    }

    @Test
    void measurementsRunThreeTimesUnlessQuickOrRepeatSaysOtherwise() {
        assertEquals(3, ReportOptions.parse(new String[0]).repeat());
        assertEquals(1, ReportOptions.parse(new String[] {"--quick"}).repeat());
        assertEquals(5, ReportOptions.parse(new String[] {"--quick", "--repeat", "5"}).repeat());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportOptions.parse(new String[] {"--repeat", "0"}));
        assertEquals("--repeat '0': must be 1..99", e.getMessage());
    }

    @Test
    void bulkWarmupMibSetsTheWarmup() {
        assertEquals(3L << 20, ReportOptions.parse(new String[] {"--bulk-warmup-mib", "3"}).bulkWarmupBytes());
        assertEquals(0, ReportOptions.parse(new String[] {"--bulk-warmup-mib", "0"}).bulkWarmupBytes());
    }

    @Test
    void badBulkWarmupIsAnErrorNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportOptions.parse(new String[] {"--bulk-warmup-mib", "-1"}));
        assertEquals("--bulk-warmup-mib '-1': must be 0..1048576", e.getMessage());
    }
}
