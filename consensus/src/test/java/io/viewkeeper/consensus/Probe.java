package io.viewkeeper.consensus;
import java.util.Set;
public class Probe {
  public static void main(String[] a) {
    for (long s = 1; s <= 15; s++) {
      Simulation sim = new Simulation(s, SimSettings.random(s), Set.of(), false);
      Simulation.Failure f = sim.runRandom();
      System.out.println(s + " " + f + " ticks=" + sim.now + " events=" + sim.eventCount + " acked=" + sim.clients().acknowledgedWrites() + " reads=" + sim.clients().answeredReads() + " " + sim.describeReplicas() + " " + SimSettings.random(s));
    }
  }
}
