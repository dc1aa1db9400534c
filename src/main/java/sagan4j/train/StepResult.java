package sagan4j.train;

/**
 * What one D or G update measured, averaged over its batch: D's loss in its real and fake parts, G's
 * loss, and D's mean logit on the real and on the fake images it saw; {@code aux}, the weighted auxiliary
 * classifier term of this update (D's on the real images, G's on its fakes; NaN without the head), which the
 * losses above do not include.
 */
public record StepResult(double dLossReal, double dLossFake, double gLoss, double dReal, double dFake, double aux) {
    public double dLoss() {
        return dLossReal + dLossFake;
    }
}
