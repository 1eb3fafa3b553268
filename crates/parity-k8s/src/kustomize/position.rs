//! Positions in trees assembled from several files.
//!
//! A kustomize build joins nodes from many files into one object: a Deployment from a base file
//! with an env var from an overlay's patch. The YAML tree keeps only a line and a column per
//! node, so the file each node came from is packed into the high bits of its line number; the
//! reader (`read::Cx`) unpacks it against the build's file table. This keeps every field's
//! provenance without a second tree type or a copy of the object reader.

use parity_source::yaml::{Node, Value};

/// Lines use the low bits; files the rest. 2^20 lines is far more than a manifest holds (lines
/// past it are clamped), and 4,096 files is far more than one build reads.
const LINE_BITS: u32 = 20;
const LINE_MASK: u32 = (1 << LINE_BITS) - 1;
/// The largest file number that fits.
pub(crate) const MAX_FILES: usize = (u32::MAX >> LINE_BITS) as usize;

/// A line number carrying the number of the file it is in.
pub(crate) fn encode(file: usize, line: u32) -> u32 {
    let file = u32::try_from(file.min(MAX_FILES)).unwrap_or(0);
    (file << LINE_BITS) | line.min(LINE_MASK)
}

/// The file number and the real line of an encoded line.
pub(crate) fn decode(line: u32) -> (usize, u32) {
    ((line >> LINE_BITS) as usize, line & LINE_MASK)
}

/// Marks every node and key of a freshly parsed tree as coming from file number `file`.
pub(crate) fn stamp(node: &mut Node, file: usize) {
    node.line = encode(file, node.line);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|item| stamp(item, file)),
        Value::Map(entries) => {
            for entry in entries {
                entry.line = encode(file, entry.line);
                stamp(&mut entry.value, file);
            }
        }
        Value::Null | Value::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_file_and_line() {
        assert_eq!(decode(encode(0, 17)), (0, 17));
        assert_eq!(decode(encode(3, 1)), (3, 1));
        assert_eq!(decode(encode(MAX_FILES, 9)), (MAX_FILES, 9));
        // Out of range lines are clamped rather than spilling into the file number.
        assert_eq!(decode(encode(2, u32::MAX)), (2, LINE_MASK));
    }
}
