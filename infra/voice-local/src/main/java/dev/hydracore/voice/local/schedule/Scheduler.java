package dev.hydracore.voice.local.schedule;

import dev.hydracore.voice.local.InvokeResult;
import dev.hydracore.voice.local.LocalGateway;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * EventBridge for {@code ./hydra local}: fires every enabled Schedule event of the template on its
 * expression, each firing through the same invoke path as HTTP requests (the function's warm
 * environments), on a thread of its own so a slow run never delays the next one (EventBridge does
 * not wait either; the sweeper is safe to overlap). Each firing and the function's answer are
 * logged on stderr. One timer thread; {@link #close()} stops it and {@link #awaitFirings} waits for
 * runs still in flight.
 */
public final class Scheduler implements AutoCloseable {
    /** How much of a function's answer the log shows. */
    static final int SUMMARY_CHARS = 300;

    private final LocalGateway.Functions functions;
    private final InstantSource clock;
    private final PrintStream log;
    private final Set<Thread> firings = new HashSet<>();
    private Thread timer;
    private boolean stopped;
    private Instant waitingFor;

    public Scheduler(LocalGateway.Functions functions, InstantSource clock, PrintStream log) {
        this.functions = functions;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Starts the timer; rates count from now. {@code fireNow}: every enabled schedule also fires
     * once at once (the {@code --schedule-now} developer flag), then keeps its own schedule.
     * {@code region} and {@code account} go into the events and rule ARNs. A scheduler closed
     * before it started (Ctrl-C during start-up) never starts.
     */
    public synchronized void start(List<TemplateSchedule> schedules, String region, String account, boolean fireNow) {
        if (timer != null) {
            throw new IllegalStateException("a scheduler starts once");
        }
        if (stopped) {
            return;
        }
        // Millisecond precision: the logs stay readable and rates still count from the start.
        Instant origin = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        List<Next> pending = new ArrayList<>();
        for (TemplateSchedule s : schedules) {
            if (!s.enabled()) {
                say("schedule " + s.label() + " " + s.expression() + " is disabled in the template: it never fires");
                continue;
            }
            Optional<Instant> first =
                    fireNow ? Optional.of(origin) : s.expression().next(origin, origin);
            first.ifPresentOrElse(
                    at -> {
                        say("schedule " + s.label() + " " + s.expression() + " -> " + s.functionId() + ", first firing "
                                + at);
                        pending.add(new Next(s, at));
                    },
                    () -> say("schedule " + s.label() + " " + s.expression() + " has no future firing"));
        }
        timer = Thread.ofPlatform().daemon().name("schedules").start(() -> run(pending, origin, region, account));
    }

    private void run(List<Next> pending, Instant origin, String region, String account) {
        while (!pending.isEmpty()) {
            Next soonest =
                    pending.stream().min((a, b) -> a.at().compareTo(b.at())).orElseThrow();
            synchronized (this) {
                waitingFor = soonest.at();
                notifyAll();
                while (!stopped) {
                    long wait = Duration.between(clock.instant(), soonest.at()).toMillis();
                    if (wait <= 0) {
                        break;
                    }
                    try {
                        wait(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
                fire(soonest.schedule(), soonest.at(), region, account);
            }
            pending.remove(soonest);
            // From now, not from the missed time: a machine that slept skips firings, it does not replay them.
            Instant now = clock.instant();
            soonest.schedule()
                    .expression()
                    .next(now.isBefore(soonest.at()) ? soonest.at() : now, origin)
                    .ifPresent(at -> pending.add(new Next(soonest.schedule(), at)));
        }
    }

    /** Called holding the lock, so {@link #close()} never misses a firing it must wait for. */
    private void fire(TemplateSchedule s, Instant at, String region, String account) {
        UUID id = UUID.randomUUID();
        byte[] event = ScheduledEvent.of(s, id, at, region, account);
        String requestId = UUID.randomUUID().toString();
        Thread t = Thread.ofVirtual().name("schedule-" + s.label()).unstarted(() -> {
            try {
                say("schedule " + s.label() + " fired (" + s.expression() + ", event " + id + ", time " + at + ") -> "
                        + s.functionId());
                long started = System.nanoTime();
                InvokeResult r = functions.invoke(s.functionId(), requestId, event);
                long ms = (System.nanoTime() - started) / 1_000_000;
                say("schedule " + s.label() + ": " + s.functionId() + " answered " + r.outcome() + " in " + ms + " ms: "
                        + summary(r.payloadText()));
            } catch (RuntimeException e) {
                say("schedule " + s.label() + ": the invocation failed: "
                        + e.getClass().getSimpleName());
            } finally {
                synchronized (this) {
                    firings.remove(Thread.currentThread());
                    notifyAll();
                }
            }
        });
        firings.add(t);
        t.start();
    }

    static String summary(String payload) {
        String oneLine = payload.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= SUMMARY_CHARS
                ? oneLine
                : oneLine.substring(0, SUMMARY_CHARS) + "… (" + oneLine.length() + " chars)";
    }

    private void say(String line) {
        synchronized (log) {
            log.println("hydra: " + line);
            log.flush();
        }
    }

    /** Makes the timer look at the clock again (tests with a clock of their own move it, then wake the timer). */
    synchronized void wake() {
        notifyAll();
    }

    /**
     * Waits up to {@code limit} until the timer has planned the firing at {@code at} and waits for
     * it: tests that move their own clock do so only then, so what the timer plans never depends
     * on whether it looked at the clock before or after the move. True when it has.
     */
    synchronized boolean awaitPlanned(Instant at, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!at.equals(waitingFor)) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Runs still in flight, for tests and shutdown. */
    public synchronized int inFlight() {
        return firings.size();
    }

    /** Stops firing: no new run starts after this returns; runs in flight carry on. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            stopped = true;
            notifyAll();
            t = timer;
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits up to {@code limit} for runs in flight (after the runtime's close they end quickly). True when none is left. */
    public synchronized boolean awaitFirings(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!firings.isEmpty()) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    private record Next(TemplateSchedule schedule, Instant at) {}
}
