//! Which rows of a long list are worth putting in the DOM.
//!
//! Every row has a height known before it is rendered (the view gives each kind of row a fixed
//! CSS height), so the list never measures the DOM: it keeps the rows' offsets and renders only
//! the rows that intersect the viewport plus some overscan, between two spacers that stand in for
//! the rest.

/// Row offsets of a list: `offsets[i]` is the top of row `i`, the last entry the total height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    offsets: Vec<u32>,
}

/// The rows to render, `first..end`, and the heights of the spacers above and below them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub first: usize,
    pub end: usize,
    pub top_spacer: u32,
    pub bottom_spacer: u32,
}

impl Window {
    pub fn len(&self) -> usize {
        self.end - self.first
    }

    pub fn is_empty(&self) -> bool {
        self.first == self.end
    }
}

impl Default for Layout {
    fn default() -> Layout {
        Layout { offsets: vec![0] }
    }
}

impl Layout {
    pub fn from_heights(heights: impl IntoIterator<Item = u32>) -> Layout {
        let heights = heights.into_iter();
        let mut offsets = Vec::with_capacity(heights.size_hint().0 + 1);
        let mut top = 0u32;
        offsets.push(top);
        for height in heights {
            top = top.saturating_add(height);
            offsets.push(top);
        }
        Layout { offsets }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The top of row `index` (the total height past the last row).
    pub fn offset(&self, index: usize) -> u32 {
        self.offsets[index.min(self.len())]
    }

    /// The row at `y` of the list's content (the last row for `y` past the end); `None` for an
    /// empty layout.
    pub fn row_at(&self, y: u32) -> Option<usize> {
        (!self.is_empty()).then(|| {
            self.offsets[1..]
                .partition_point(|bottom| *bottom <= y)
                .min(self.len() - 1)
        })
    }

    pub fn total_height(&self) -> u32 {
        self.offsets[self.len()]
    }

    /// The rows intersecting `[scroll_top, scroll_top + viewport)`, widened by up to `overscan`
    /// rows on each side, and never more than `max_rows` in all (the visible rows win over the
    /// overscan).
    pub fn window(
        &self,
        scroll_top: u32,
        viewport: u32,
        overscan: usize,
        max_rows: usize,
    ) -> Window {
        let n = self.len();
        if n == 0 || max_rows == 0 {
            return Window {
                first: 0,
                end: 0,
                top_spacer: 0,
                bottom_spacer: self.total_height(),
            };
        }
        let total = self.total_height();
        // Past the end (the list shrank under a scrolled view): show the last viewport's worth.
        let scroll_top = scroll_top.min(total.saturating_sub(viewport.max(1)));
        let bottom = scroll_top.saturating_add(viewport.max(1));
        // First row whose bottom edge is below the top of the viewport.
        let first_visible = self.offsets[1..]
            .partition_point(|&b| b <= scroll_top)
            .min(n - 1);
        // Rows whose top edge is above the bottom of the viewport.
        let end_visible = self.offsets[..n]
            .partition_point(|&t| t < bottom)
            .max(first_visible + 1);

        let visible = end_visible - first_visible;
        let (first, end) = if visible >= max_rows {
            (first_visible, first_visible + max_rows)
        } else {
            let room = max_rows - visible;
            let before_avail = overscan.min(first_visible);
            let after_avail = overscan.min(n - end_visible);
            let (before, after) = if before_avail + after_avail <= room {
                (before_avail, after_avail)
            } else {
                let before = before_avail.min(room / 2);
                let after = after_avail.min(room - before);
                (before_avail.min(room - after), after)
            };
            (first_visible - before, end_visible + after)
        };
        Window {
            first,
            end,
            top_spacer: self.offsets[first],
            bottom_spacer: total - self.offsets[end],
        }
    }
}

/// [`Layout::window`] for a one-off slice of heights.
pub fn visible_window(
    heights: &[u32],
    scroll_top: u32,
    viewport: u32,
    overscan: usize,
    max_rows: usize,
) -> Window {
    Layout::from_heights(heights.iter().copied()).window(scroll_top, viewport, overscan, max_rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_at_a_height_is_the_one_covering_it() {
        let layout = Layout::from_heights([32, 60, 60]);
        assert_eq!(layout.row_at(0), Some(0));
        assert_eq!(layout.row_at(31), Some(0));
        assert_eq!(layout.row_at(32), Some(1));
        assert_eq!(layout.row_at(151), Some(2));
        assert_eq!(layout.row_at(152), Some(2), "past the end: the last row");
        assert_eq!(Layout::default().row_at(0), None);
    }

    #[test]
    fn the_top_of_a_uniform_list_renders_the_viewport_and_the_overscan_below() {
        let heights = vec![50; 1000];
        let window = visible_window(&heights, 0, 300, 5, 100);
        assert_eq!(
            window,
            Window {
                first: 0,
                end: 11,
                top_spacer: 0,
                bottom_spacer: 989 * 50
            }
        );
    }

    #[test]
    fn a_scrolled_list_renders_partly_visible_rows_and_overscan_on_both_sides() {
        let heights = vec![50; 1000];
        // 1025..1325 shows rows 20 (half) to 26 (half).
        let window = visible_window(&heights, 1025, 300, 3, 100);
        assert_eq!(window.first, 17);
        assert_eq!(window.end, 30);
        assert_eq!(window.top_spacer, 17 * 50);
        assert_eq!(window.bottom_spacer, (1000 - 30) * 50);
        assert_eq!(window.top_spacer + window.bottom_spacer + 13 * 50, 50_000);
    }

    #[test]
    fn mixed_heights_are_found_by_offset() {
        // Day header, three activities, one of them expanded, then another day.
        let heights = [32, 60, 132, 60, 32, 60];
        let window = visible_window(&heights, 100, 100, 0, 100);
        // 100..200 intersects row 1 (32..92)? no; row 2 (92..224) only.
        assert_eq!((window.first, window.end), (2, 3));
        assert_eq!((window.top_spacer, window.bottom_spacer), (92, 152));
        let at_edge = visible_window(&heights, 92, 132, 0, 100);
        assert_eq!((at_edge.first, at_edge.end), (2, 3));
    }

    #[test]
    fn a_huge_viewport_never_renders_more_than_the_cap() {
        let heights = vec![20; 10_000];
        let window = visible_window(&heights, 50_000, 4_000, 10, 100);
        assert_eq!(window.len(), 100);
        assert_eq!(window.first, 2_500);
        let with_overscan = visible_window(&heights, 50_000, 1_600, 30, 100);
        assert_eq!(with_overscan.len(), 100);
        // 80 visible rows, the 20 left split evenly around them.
        assert_eq!(with_overscan.first, 2_490);
    }

    #[test]
    fn scrolling_past_the_end_shows_the_last_rows() {
        let heights = vec![50; 10];
        let window = visible_window(&heights, 10_000, 120, 1, 100);
        assert_eq!(window.end, 10);
        assert_eq!(window.first, 6);
        assert_eq!(window.bottom_spacer, 0);
    }

    #[test]
    fn a_short_list_is_rendered_whole() {
        let heights = [32, 60, 60];
        let window = visible_window(&heights, 0, 800, 10, 100);
        assert_eq!(
            window,
            Window {
                first: 0,
                end: 3,
                top_spacer: 0,
                bottom_spacer: 0
            }
        );
    }

    #[test]
    fn an_empty_list_renders_nothing() {
        let window = visible_window(&[], 0, 800, 10, 100);
        assert!(window.is_empty());
        assert_eq!(Layout::default().total_height(), 0);
    }
}
