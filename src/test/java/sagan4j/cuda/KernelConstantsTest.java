package sagan4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sagan4j.testing.KernelSource.javaConstant;
import static sagan4j.testing.KernelSource.javaConstantRows;
import static sagan4j.testing.KernelSource.javaConstants;

import java.util.List;

import org.junit.jupiter.api.Test;

import sagan4j.cuda.attention.AttentionKernels;
import sagan4j.cuda.condbatchnorm.CondBatchNormKernels;
import sagan4j.cuda.gemm.TiledGemm;
import sagan4j.cuda.runtime.KernelLibrary;
import sagan4j.cuda.spectralnorm.SpectralNormKernels;
import sagan4j.testing.KernelSource;

/**
 * Every constant the Java launch code shares with a kernel (block sizes, tiles, items per block, descriptor
 * words, the instantiated template sizes) equals the one in {@code kernels/*.cu}, read from the CUDA source: a
 * change on one side only fails here, without a GPU, instead of as a wrong grid on one.
 */
class KernelConstantsTest {
    @Test
    void commonBlockSize() {
        assertEquals(KernelSource.of("common.cuh").define("SAGAN_BLOCK"), javaConstant(KernelLibrary.class, "BLOCK"));
    }

    @Test
    void spectralNorm() {
        KernelSource cu = KernelSource.of("spectral_norm.cu");
        Class<?> j = SpectralNormKernels.class;
        assertEquals(cu.define("SN_THREADS"), javaConstant(j, "THREADS"), "threads per block");
        assertEquals(cu.define("SN_P1_ROWS"), javaConstant(j, "P1_ROWS"), "rows per phase-1 item");
        assertEquals(cu.define("SN_TILE"), javaConstant(j, "TILE"), "columns per phase-1/2 item");
        assertEquals(cu.define("SN_P3_ROWS"), javaConstant(j, "P3_ROWS"), "rows per phase-3 item");
        assertEquals(cu.define("SN_FCHUNK"), javaConstant(j, "FCHUNK"), "W/σ elements per final item");
        // every SnDesc field is one 64-bit word
        assertEquals(cu.structFields("SnDesc"), javaConstant(j, "DESCRIPTOR_WORDS"), "SnDesc fields");
    }

    @Test
    void attention() {
        KernelSource cu = KernelSource.of("attention.cu");
        Class<?> j = AttentionKernels.class;
        assertEquals(cu.define("ATT_THREADS"), javaConstant(j, "THREADS"), "threads of the fused kernels");
        assertEquals(cu.define("ATT_SIMPLE_THREADS"), javaConstant(j, "SIMPLE_COLUMNS"), "columns per simple block");
        assertEquals(cu.define("ATT_ROW_THREADS"), javaConstant(j, "ROW_THREADS"), "threads of the row kernels");
        assertEquals(cu.define("ATT_DMAX"), javaConstant(j, "FUSED_MAX_D"), "largest d of the fused kernels");
        assertEquals(cu.define("ATT_FQ"), javaConstant(j, "FORWARD_ROWS"), "query rows per tiled-forward block");
        assertEquals(cu.define("ATT_BT"), javaConstant(j, "BACKWARD_TILE"), "rows/keys per fused-backward block");
        List<List<Long>> forward = cu.instantiationArgs("ATT_FORWARD_TILED");
        List<Long> dTiles = forward.stream().map(a -> a.get(0)).distinct().toList();
        List<Long> columns = forward.stream().map(a -> a.get(1)).distinct().toList();
        assertEquals(dTiles, javaConstants(j, "D_TILES"), "tiled-forward d tiles");
        assertEquals(columns, javaConstants(j, "TILE_COLUMNS"), "tiled-forward column tiles");
        assertEquals(dTiles.size() * columns.size(), forward.size(), "every (d tile, column tile) pair instantiated");
        assertEquals(dTiles.get(dTiles.size() - 1), cu.define("ATT_DMAX"), "the largest d tile is ATT_DMAX");
        List<List<Long>> backward = cu.instantiationArgs("ATT_BACKWARD_FUSED");
        assertEquals(backward, javaConstantRows(j, "BACKWARD_TILES"), "fused-backward (d tile, c tile) pairs");
        long maxC = backward.stream().filter(a -> a.get(0) == 32).mapToLong(a -> a.get(1)).max().orElseThrow();
        assertEquals(maxC, javaConstant(j, "FUSED_BACKWARD_MAX_C"), "largest fused-backward c (d <= 32)");
    }

    @Test
    void layers() {
        KernelSource cu = KernelSource.of("layers.cu");
        assertEquals(cu.define("LAYERS_REDUCE_THREADS"), javaConstant(CudaLayers.class, "REDUCE_THREADS"),
                "threads of channel_bias_grad_partial_f32");
        assertEquals(KernelSource.of("cond_batchnorm.cu").define("CBN_BLOCK"), javaConstant(CudaLayers.class,
                "SORT_THREADS"), "threads of cbn_labels_by_class, launched by scatterAddRows");
    }

    @Test
    void multiTensorApplyAndEpilogues() throws ClassNotFoundException {
        KernelSource optim = KernelSource.of("optim.cu");
        Class<?> table = Class.forName("sagan4j.cuda.optim.MultiTensorTable"); // package-private there
        assertEquals(optim.define("OPTIM_CHUNK"), javaConstant(table, "CHUNK"), "elements per chunk");
        assertEquals(KernelSource.of("common.cuh").define("SAGAN_BLOCK"), javaConstant(table, "BLOCK"), "threads per block");
        // every entry field is one 64-bit word
        assertEquals(optim.structFields("AdamEntry") * 8, javaConstant(table, "ADAM_ENTRY_BYTES"), "sizeof(AdamEntry)");
        assertEquals(optim.structFields("EmaEntry") * 8, javaConstant(table, "EMA_ENTRY_BYTES"), "sizeof(EmaEntry)");
        assertEquals(optim.structFields("ZeroEntry") * 8, javaConstant(table, "ZERO_ENTRY_BYTES"), "sizeof(ZeroEntry)");
        KernelSource epi = KernelSource.of("epilogue.cu");
        assertEquals(epi.define("EPI_RELU"), javaConstant(Epilogues.class, "RELU"));
        assertEquals(epi.define("EPI_LEAKY_RELU"), javaConstant(Epilogues.class, "LEAKY_RELU"));
        assertEquals(epi.define("EPI_TANH"), javaConstant(Epilogues.class, "TANH"));
    }

    @Test
    void condBatchNormAndTiledGemm() {
        KernelSource cbn = KernelSource.of("cond_batchnorm.cu");
        assertEquals(cbn.define("CBN_BLOCK"), javaConstant(CondBatchNormKernels.class, "BLOCK"));
        assertEquals(cbn.define("CBN_RED_DOUBLES"), javaConstant(CondBatchNormKernels.class, "RED_DOUBLES"),
                "reduction scratch at the head of the fused kernels' shared memory");
        KernelSource gemm = KernelSource.of("gemm.cu");
        assertEquals(gemm.define("GEMM_BM"), javaConstant(TiledGemm.class, "TILE"), "output rows per block");
        assertEquals(gemm.define("GEMM_BN"), javaConstant(TiledGemm.class, "TILE"), "output columns per block");
    }
}
