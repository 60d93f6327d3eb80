package io.bypass.samples.report;

import io.bypass.samples.latency.Workload;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The round-trip distributions as a percentile plot, the way HdrHistogram's plotter draws
 * them: x is the number of nines, {@code log10(1 / (1 - percentile))}, so 90 %, 99 %, 99.9 % ...
 * are equally spaced and the tail gets the room; y is the round trip in microseconds, log scale.
 * (The x axis is linear in nines rather than XChart's log axis: XChart's tick search does not
 * end on a log axis with custom labels.)
 * One line per side of every target that measured a round trip (kernel, kernel busy-polling, Bypass).
 */
final class LatencyPlot {
    private LatencyPlot() {
    }

    /**
     * @return whether a plot was written (false: no round trip was measured)
     * @throws IOException if the file cannot be written
     */
    static boolean write(Path png, List<TargetResult> results, ReportOptions o) throws IOException {
        XYChart chart = new XYChartBuilder().width(1000).height(600)
                .title(o.sizeBytes() + " B round trip, kernel (selectors blocking, busy-polling) vs Bypass")
                .xAxisTitle("percentile").yAxisTitle("round trip (us)").build();
        XYStyler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.InsideNW);
        styler.setYAxisLogarithmic(true);
        styler.setYAxisDecimalPattern("#,##0.#");
        styler.setXAxisMin(0.0);
        chart.setCustomXAxisTickLabelsFormatter(LatencyPlot::percentileLabel);
        int series = 0;
        for (TargetResult r : results) {
            Target t = r.target();
            for (Side side : new Side[] {t.kernel(), t.kernelBusyPoll(), t.bypass()}) {
                if (r.get(side, Workload.RTT) instanceof Measurement.Rtt rtt) {
                    String name = "(" + t.id() + ") " + side.label();
                    series += add(chart, name, rtt.histogram()) ? 1 : 0;
                }
            }
        }
        if (series == 0) {
            return false;
        }
        Files.createDirectories(png.getParent());
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return true;
    }

    private static boolean add(XYChart chart, String name, Histogram h) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo() / 100.0;
            if (p >= 1.0) {
                break;
            }
            x.add(Math.log10(1 / (1 - p)));
            y.add(Math.max(v.getValueIteratedTo(), 1) / 1000.0);
        }
        // The maximum sits where one sample in totalCount is: 1 / (1 - (n - 1) / n) = n.
        x.add(Math.log10(Math.max(h.getTotalCount(), 2)));
        y.add(Math.max(h.getMaxValue(), 1) / 1000.0);
        if (x.size() < 2) {
            return false;
        }
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        return true;
    }

    /** Whole nines to a percentile: 0 -> 0%, 1 -> 90%, 2 -> 99%, 3 -> 99.9% ...; ticks between stay unlabelled. */
    private static String percentileLabel(double nines) {
        if (Math.abs(nines - Math.rint(nines)) > 1e-9) {
            return " ";
        }
        double percent = 100 * (1 - Math.pow(10, -nines));
        return new BigDecimal(percent).setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "%";
    }
}
