package sagan4j.train;

/**
 * What one D or G update measured, averaged over its batch: D's loss in its real and fake parts, G's
 * loss, and D's mean logit on the real and on the fake images it saw.
 */
public record StepResult(double dLossReal, double dLossFake, double gLoss, double dReal, double dFake) {
    public double dLoss() {
        return dLossReal + dLossFake;
    }
}
