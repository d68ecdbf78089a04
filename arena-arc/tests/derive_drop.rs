//! A derived type may implement `Drop` when its handles point only at types
//! with no links of their own (`ArcSlice<Particle>` with `Particle { x: f32,
//! y: f32 }`): such handles are never reported to the arena, so they always
//! count, and the `Drop` may read them, clone them or move them out. Each
//! `Drop` runs exactly once, a handle it moved out stays valid after the
//! holder's generation is freed, and every byte is freed in the end.

mod common;

use std::cell::{Cell, RefCell};

use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc, arena};
use common::elems::{Elem, Ids, Tracked};
use common::leaves_nothing;

/// No field that may hold links: a plain arena, and handles to it count.
#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
struct Particle {
    x: f32,
    y: f32,
}

/// Holds handles to `Particle` only (and a tracked payload, which holds no
/// handle): may implement `Drop`.
#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
struct Frame {
    tag: Tracked,
    particles: ArcSlice<Particle>,
    #[arena(default)]
    best: Option<ArcSingle<Particle>>,
    #[arena(default)]
    ids: ArcSlice<u32>,
}

/// The same rule on an enum.
#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
enum Shot {
    Empty,
    One(Tracked, ArcSingle<Particle>),
}

/// Holds `Frame`s. `Frame` has a handle field, so it may hold links as far
/// as the type checker knows: handles to it are reported and `Scene` may not
/// implement `Drop`. The frames it holds are dropped when its generation
/// goes.
#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
struct Scene {
    frames: ArcSlice<Frame>,
    #[arena(default)]
    shots: ArcSlice<Shot>,
}

arena!(static PARTICLES: Particle, 4);

thread_local! {
    /// `Frame` drops, and the handles the drops moved out.
    static FRAME_DROPS: Cell<usize> = const { Cell::new(0) };
    static SHOT_DROPS: Cell<usize> = const { Cell::new(0) };
    static KEPT: RefCell<Vec<ArcSlice<Particle>>> = const { RefCell::new(Vec::new()) };
}

impl Drop for Frame {
    fn drop(&mut self) {
        // Reads every handle, then moves one out and keeps it past the
        // frame's generation: it counts, so its chunk stays.
        let sum: f32 = self.particles.iter().map(|p| p.x + p.y).sum();
        assert!(sum >= 0.0);
        assert!(self.best.as_ref().is_none_or(|p| p.x >= 0.0));
        assert!(self.ids.iter().all(|&id| id < 1000));
        let _ = self.tag.key();
        let moved = std::mem::take(&mut self.particles);
        KEPT.with(|kept| kept.borrow_mut().push(moved));
        FRAME_DROPS.with(|d| d.set(d.get() + 1));
    }
}

impl Drop for Shot {
    fn drop(&mut self) {
        if let Shot::One(tag, particle) = self {
            let _ = tag.key();
            KEPT.with(|kept| kept.borrow_mut().push(ArcSlice::from(particle.clone())));
        }
        SHOT_DROPS.with(|d| d.set(d.get() + 1));
    }
}

fn frame(ids: &mut Ids, n: usize) -> Frame {
    Frame::builder()
        .tag(ids.next())
        .particles_with(n, |i| Particle {
            x: i as f32,
            y: 1.0,
        })
        .best(Some(PARTICLES.alloc_value(Particle { x: 2.0, y: 3.0 })))
        .ids(vec![1, 2, 3])
        .build()
}

/// Checks the handles the drops kept (their chunks must still be there),
/// then lets them go.
fn check_and_clear_kept(expected: usize) {
    let kept = KEPT.with(|kept| std::mem::take(&mut *kept.borrow_mut()));
    assert_eq!(kept.len(), expected);
    for particles in &kept {
        assert!(particles.iter().all(|p| p.y >= 1.0 && p.x >= 0.0));
    }
}

#[test]
fn link_free_types_get_plain_arenas_and_holders_acyclic_ones() {
    assert!(!Particle::arena().with(|a| a.is_acyclic()));
    assert!(!PARTICLES.with(|a| a.is_acyclic()));
    assert!(Frame::arena().with(|a| a.is_acyclic()));
    assert!(Shot::arena().with(|a| a.is_acyclic()));
    assert!(Scene::arena().with(|a| a.is_acyclic()));
}

#[test]
fn a_single_frame_with_drop_is_dropped_once_and_freed() {
    leaves_nothing("one frame", |ids| {
        let frame = Frame::alloc_value(frame(ids, 3));
        assert_eq!(frame.particles.len(), 3);
        drop(frame);
        arena_arc::trim_thread();
        assert_eq!(FRAME_DROPS.with(Cell::get), 1);
        check_and_clear_kept(1);
    });
}

#[test]
fn frames_with_drop_in_a_scene_are_dropped_once_and_freed() {
    const FRAMES: usize = if cfg!(miri) { 5 } else { 40 };
    leaves_nothing("a scene of frames", |ids| {
        let loose = Particle::alloc(3, |i| Particle {
            x: i as f32,
            y: 2.0,
        });
        let frames = Frame::alloc(FRAMES, |i| {
            let mut f = frame(ids, i % 6);
            if i % 2 == 0 {
                f.particles = loose.clone();
            }
            f
        });
        let shots = Shot::alloc(4, |i| match i {
            0 => Shot::Empty,
            _ => Shot::One(
                ids.next(),
                Particle::alloc_value(Particle { x: 1.0, y: 1.0 }),
            ),
        });
        let scene = Scene::alloc_value(Scene::builder().frames(frames).shots(shots).build());
        // A clone of one frame's handle outlives the scene.
        let first = scene.frames[0].particles.clone();
        drop(scene);
        // The scene's generation is freed as a whole; frames made later
        // do not keep it.
        drop(Frame::alloc_value(frame(ids, 1)));
        arena_arc::trim_thread();
        assert_eq!(FRAME_DROPS.with(Cell::get), FRAMES + 1);
        assert_eq!(SHOT_DROPS.with(Cell::get), 4);
        check_and_clear_kept(FRAMES + 1 + 3);
        assert!(first.iter().all(|p| p.y == 2.0));
        drop((first, loose));
    });
}
