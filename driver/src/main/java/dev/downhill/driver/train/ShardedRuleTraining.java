package dev.downhill.driver.train;

import dev.downhill.core.optim.IterationListener;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.OptimizerState;
import dev.downhill.core.optim.RemoteRuleMinimizer;
import dev.downhill.core.optim.ScheduledRule;
import dev.downhill.core.optim.StopCriteria;
import dev.downhill.core.optim.StopReason;
import dev.downhill.core.sample.MiniBatchSampler;
import dev.downhill.driver.checkpoint.Checkpoint;
import dev.downhill.driver.checkpoint.CheckpointingRun;
import dev.downhill.driver.sharded.ShardedRuleSlices;
import dev.downhill.driver.sharded.ShardedVector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The sharded run of a rule with a step schedule (gd, momentum, nesterov, adagrad, rmsprop, adam, adamw; full batch or
 * mini-batches, iteration k's evaluation on batch k as the tree path's): x, the gradient and the rule's vectors (Adam's
 * moments, a velocity) stay sliced on the executors ({@link ShardedRuleSlices}: per iteration the rule's update on each
 * slice and the data pass in one job, then ||grad f||^2 in a slice pass), and worker-core's {@link RemoteRuleMinimizer}
 * runs the tree path's stopping rules, counters and best-iterate choice on the scalars. The objective, its
 * standardization, validation, the warm start, checkpoints (the vectors as slice files, the manifest last) and the
 * model are {@link ShardedTraining}'s.
 */
final class ShardedRuleTraining {
    private final ShardedTraining run;
    private final ScheduledRule rule;
    private final ShardedRuleSlices slices;
    /** The mini-batches, or null for the full batch. */
    private final MiniBatchSampler sampler;
    /** The best-validation iterate's x (the loop keeps it from release), or null. */
    private ShardedVector best;

    /** @param sampler the mini-batches (iteration k evaluates batch k), or null for the full batch */
    ShardedRuleTraining(ShardedTraining run, ScheduledRule rule, MiniBatchSampler sampler) {
        this.run = run;
        this.sampler = sampler;
        this.rule = rule;
        this.slices = new ShardedRuleSlices(run.sparkContext(), run.layout(), run.function(), run.vectors(),
                rule, run.batches(sampler), run.l1Slices());
    }

    /** The checkpoint's vector names: x, the gradient, then the rule's (e.g. adam.m, adam.v). */
    private List<String> vectorNames() {
        List<String> names = new ArrayList<>(List.of("x", "gradient"));
        names.addAll(rule.stateVectors());
        return names;
    }

    private void save(RemoteRuleMinimizer.State<ShardedVector> state, Path folder, OptimizerState manifest,
                      Configuration conf) throws IOException {
        List<ShardedVector> handles = new ArrayList<>(List.of(state.x(), state.gradient()));
        handles.addAll(state.vectors());
        run.writeCheckpoint(folder, state.small().iteration(), vectorNames(), handles, best, manifest, conf);
    }

    private RemoteRuleMinimizer.State<ShardedVector> restore(Checkpoint c, Path folder, Configuration conf)
            throws IOException {
        OptimizerState small = CheckpointingRun.optimizerState(c);
        List<String> names = vectorNames();
        List<ShardedVector> v = run.readCheckpoint(c, folder, names, conf);
        best = v.size() > names.size() ? v.get(names.size()) : null;
        return new RemoteRuleMinimizer.State<>(small, v.get(0), v.get(1), v.subList(2, names.size()));
    }

    /** As {@link ShardedTraining#run}, with the rule's loop. */
    ShardedTraining.Outcome run(StopCriteria criteria, IterationListener progress, CheckpointingRun checkpoints,
                                CheckpointingRun.HistorySink history) throws IOException {
        RemoteRuleMinimizer<ShardedVector> loop = new RemoteRuleMinimizer<>(rule, criteria);
        RemoteRuleMinimizer.State<ShardedVector> state = null;
        Configuration conf = run.sparkContext().hadoopConfiguration();
        try {
            Checkpoint from = checkpoints.restored();
            if (from == null) {
                state = loop.initialize(slices, run.startingPoint());
                checkpoints.startHistory(new Checkpoint.Point(0, state.objective(), state.gradientNorm()),
                        history);
            } else {
                state = restore(from, checkpoints.restoredSlices(), conf);
                checkpoints.startHistory(null, history);
            }
            RemoteRuleMinimizer.State<ShardedVector> running = state;
            checkpoints.writeSlicesWith((folder, manifest) -> save(running, folder, manifest, conf));
            IterationListener listener = checkpoints.around(progress);
            run.takeTiming(); // the first iteration's split should not include the starting pass
            RemoteRuleMinimizer.Result<ShardedVector> r = loop.run(slices, state,
                    new RemoteRuleMinimizer.Listener<>() {
                        @Override
                        public void iterationDone(RemoteRuleMinimizer.State<ShardedVector> st,
                                                  IterationListener.IterationReport report) {
                            listener.iterationDone(st.small(), report);
                        }

                        @Override
                        public void bestKept(ShardedVector kept) {
                            best = kept;
                        }
                    }, run.validates() ? run::validationLoss : null, best);
            best = r.best();
            if (r.reason() != StopReason.DIVERGED) {
                checkpoints.writeFinal(r.state().small()); // now: the vectors are released below
            }
            // with validation the model is the best iterate, as the tree path writes
            ShardedVector u = run.validates() && best != null && r.reason() != StopReason.DIVERGED ? best
                    : r.state().x();
            ShardedVector theta = run.model(u);
            Minimizer.Result figures = run.figures(r.state().small(), r.reason(), r.gradientNorm(), r.objective(),
                    r.detail());
            if (sampler == null) {
                return new ShardedTraining.Outcome(figures, theta);
            }
            double[] full = run.fullObjective(theta); // before releaseRun drops the plan
            return new ShardedTraining.Outcome(figures, theta, full[0], full[1]);
        } finally {
            if (state != null) {
                state.release(slices, best);
            }
            if (best != null) {
                slices.release(best);
                best = null;
            }
            run.releaseRun();
        }
    }
}
