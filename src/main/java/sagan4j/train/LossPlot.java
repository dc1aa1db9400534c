package sagan4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import sagan4j.io.AtomicFiles;

/** loss.png: D's loss (real + fake), its two parts and G's loss against the step, drawn by XChart. */
final class LossPlot {
    private LossPlot() {
    }

    static void write(Path png, List<Map<String, Object>> rows) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(450).title("losses").xAxisTitle("step").yAxisTitle("loss").build();
        for (String key : new String[] {"d_loss", "d_loss_real", "d_loss_fake", "g_loss"}) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                if (r.get(key) instanceof Number v && Double.isFinite(v.doubleValue())) {
                    x.add(((Number) r.get("step")).doubleValue());
                    y.add(v.doubleValue());
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(key, x, y).setMarker(SeriesMarkers.NONE);
            }
        }
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(png, bytes);
        Files.size(png);
    }
}
