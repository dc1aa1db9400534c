package sagan4j.cli;

import picocli.CommandLine.Option;
import sagan4j.models.GanConfig;

/** {@code --preset} and the settings that override it, shared by model, export and import. */
final class ModelOptions {
    @Option(names = "--preset", defaultValue = "sagan32", description = "sagan32, biggan32 or biggan128 (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--resolution", description = "32, 64 or 128")
    Integer resolution;

    @Option(names = "--image-channels", description = "1 or 3")
    Integer imageChannels;

    @Option(names = "--classes")
    Integer classes;

    @Option(names = "--ch", description = "channel width (the seed's DIM)")
    Integer ch;

    @Option(names = "--z-dim")
    Integer zDim;

    @Option(names = "--shared-dim")
    Integer sharedDim;

    @Option(names = "--attention-g", description = "resolution of G's self-attention (0: none)")
    Integer attentionG;

    @Option(names = "--attention-d", description = "resolution of D's self-attention (0: none)")
    Integer attentionD;

    @Option(names = "--sn-g", description = "spectral normalisation in G")
    Boolean snG;

    @Option(names = "--sn-d", description = "spectral normalisation in D")
    Boolean snD;

    @Option(names = "--seed", description = "initialisation seed")
    Long seed;

    /** The preset with the given overrides, validated (one line naming a bad setting). */
    GanConfig config() {
        GanConfig p = GanConfig.preset(preset);
        boolean changed = resolution != null || imageChannels != null || classes != null || ch != null || zDim != null
                || sharedDim != null || attentionG != null || attentionD != null || snG != null || snD != null;
        return new GanConfig(changed ? "custom (" + p.preset() + ")" : p.preset(), p.blocks(), p.shared(),
                or(resolution, p.resolution()), or(imageChannels, p.imageChannels()), or(classes, p.classes()),
                or(ch, p.ch()), or(zDim, p.zDim()), or(sharedDim, p.sharedDim()), or(attentionG, p.attentionG()),
                or(attentionD, p.attentionD()), snG != null ? snG : p.snG(), snD != null ? snD : p.snD(), p.gainOffset(),
                p.orthoInit(), seed != null ? seed : p.seed()).validate();
    }

    private static int or(Integer v, int dflt) {
        return v != null ? v : dflt;
    }
}
