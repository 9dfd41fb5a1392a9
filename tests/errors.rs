//! A caller of the library matching on error kinds rather than on message text.

use msikit::database::write::write_database;
use msikit::database::{open_database, read_table, DatabaseModel};
use msikit::error::{Missing, Place};
use msikit::formats::container::{build_compound_file, Container, PackageKind, CLSID_TRANSFORM};
use msikit::ErrorKind;

#[test]
fn opening_a_transform_as_a_database_is_refused() {
    let bytes = build_compound_file(CLSID_TRANSFORM, &[]).unwrap();
    let c = Container::from_bytes("t.mst", bytes).unwrap();
    let e = open_database(&c)
        .err()
        .expect("a transform is not a database");
    assert!(matches!(e.kind(), ErrorKind::Refused(_)), "{e:?}");
    assert_eq!(e.file(), Some("t.mst"));
    assert!(e
        .to_string()
        .starts_with("t.mst: is a transform: its table streams are changes to another database"));
}

#[test]
fn a_missing_table_is_not_found_with_its_name() {
    let bytes = write_database(&DatabaseModel::default(), PackageKind::Database).unwrap();
    let c = Container::from_bytes("a.msi", bytes).unwrap();
    let Err(e) = read_table(&c, "Nope") else {
        panic!("no such table")
    };
    match e.kind() {
        ErrorKind::NotFound {
            what: Missing::Table,
            name,
            ..
        } => assert_eq!(name, "Nope"),
        other => panic!("not a missing table: {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("a.msi: no table 'Nope' (tables: "),
        "{e}"
    );
}

#[test]
fn a_missing_stream_names_the_stream_as_its_place() {
    let bytes = write_database(&DatabaseModel::default(), PackageKind::Database).unwrap();
    let c = Container::from_bytes("a.msi", bytes).unwrap();
    let e = c.read_raw_stream("", "NoSuchStream").unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::NotFound {
            what: Missing::Stream,
            ..
        }
    ));
    assert_eq!(e.places(), &[Place::Stream("NoSuchStream".into())]);
    assert_eq!(
        e.to_string(),
        "a.msi: stream 'NoSuchStream': no such stream"
    );
}
