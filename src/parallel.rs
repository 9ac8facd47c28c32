//! Work spread over every core: a fleet of configs is validated and rendered by one worker
//! per core, each pulling the next item as it finishes the last, so a slow item never holds
//! up the others. Results come back in the items' order, so the output cannot depend on
//! which worker finished first.
//!
//! `std::thread::scope` rather than a crate such as rayon: a pool of plain threads is all
//! this needs, and the build stays as it is.
//!
//! A map inside a map (a stack's objects, rendered for one member of a fleet) runs on the
//! worker it is called from: the cores are busy with the outer items already, and more
//! threads would only contend for them.

use std::cell::Cell;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;

/// How many workers run at once: one per core the process may use.
pub fn workers() -> usize {
    thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

thread_local! {
    /// Set on the threads [`try_map`] spawns.
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// `each` applied to every item, on every core; the results in the items' order.
pub fn map<T: Send, R: Send>(items: Vec<T>, each: impl Fn(T) -> R + Sync) -> Vec<R> {
    match try_map(items, |item| Ok::<R, Never>(each(item))) {
        Ok(results) => results,
        Err(never) => match never {},
    }
}

/// As [`map`] for work that can fail: after the first failure no item is started, and the
/// failure of the earliest item that failed is returned (items already started finish).
pub fn try_map<T: Send, R: Send, E: Send>(
    items: Vec<T>,
    each: impl Fn(T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let count = items.len();
    // Each slot is taken by exactly one worker (the index it drew), so its lock is never
    // contended; it only hands the item over by value.
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|i| Mutex::new(Some(i))).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let work = || {
        IN_WORKER.set(true);
        let mut done: Vec<(usize, Result<R, E>)> = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(index) else {
                break;
            };
            let Some(item) = slot.lock().unwrap_or_else(PoisonError::into_inner).take() else {
                continue;
            };
            let result = each(item);
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            done.push((index, result));
        }
        done
    };
    let workers = if IN_WORKER.get() {
        1
    } else {
        workers().min(count)
    };
    let finished: Vec<(usize, Result<R, E>)> = if workers <= 1 {
        work()
    } else {
        thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(count).collect();
    let mut failure: Option<(usize, E)> = None;
    for (index, result) in finished {
        match result {
            Ok(value) => results[index] = Some(value),
            Err(e) if failure.as_ref().is_none_or(|(first, _)| index < *first) => {
                failure = Some((index, e));
            }
            Err(_) => {}
        }
    }
    if let Some((_, e)) = failure {
        return Err(e);
    }
    // Without a failure every item was taken and gave a result.
    Ok(results.into_iter().flatten().collect())
}

/// The error of work that cannot fail.
enum Never {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_items_order() {
        // Early items are the slowest, so workers finish them last.
        let items: Vec<u64> = (0..64).collect();
        let results = map(items, |i| {
            thread::sleep(std::time::Duration::from_micros(64 - i));
            i * 2
        });
        assert_eq!(results, (0..64).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_earliest_failure_is_returned_and_stops_new_work() {
        let started = AtomicUsize::new(0);
        let result = try_map((0..1000).collect(), |i: usize| {
            started.fetch_add(1, Ordering::Relaxed);
            if i == 3 || i == 5 {
                return Err(i);
            }
            // Slow enough that a failure is seen long before the items run out.
            thread::sleep(std::time::Duration::from_micros(200));
            Ok(i)
        });
        assert_eq!(result, Err(3));
        // Every worker stops drawing items once one has failed.
        assert!(started.load(Ordering::Relaxed) < 1000);
    }

    #[test]
    fn a_map_inside_a_map_stays_on_its_worker() {
        let outer = map((0..4).collect(), |_: u8| {
            let me = thread::current().id();
            map((0..8).collect(), |_: u8| thread::current().id() == me)
        });
        assert!(outer.iter().flatten().all(|same| *same), "{outer:?}");
    }

    #[test]
    fn no_items_give_no_results() {
        assert_eq!(map(Vec::<u8>::new(), |i| i), Vec::<u8>::new());
    }
}
