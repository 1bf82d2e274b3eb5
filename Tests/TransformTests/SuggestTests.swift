import Testing
import Transform

@Suite struct SuggestTests {
    @Test func aMissingLetterFindsTheIndicator() {
        let names = ["andel_korttid", "legemiddelgjennomgang", "innbyggere_80", "ernaeringsscreening"]
        #expect(closestNames(to: "legemiddelgjenomgang", among: names) == ["legemiddelgjennomgang"])
    }

    @Test func nearestComeFirstAndAtMostMax() {
        let names = ["EKG08", "EKG09", "EKG18", "EKA31", "EAK"]
        #expect(closestNames(to: "EKG8", among: names, max: 2) == ["EKG08", "EKG18"])
        #expect(closestNames(to: "ekg08", among: names) == ["EKG08"])
    }

    @Test func nothingCloseGivesNothing() {
        #expect(closestNames(to: "befolkning", among: ["andel_korttid", "EKG08"]).isEmpty)
        #expect(closestNames(to: "x", among: []).isEmpty)
        #expect(closestNames(to: "3118", among: ["3118", "3119"], max: 0).isEmpty)
    }

    @Test func shortCodesAllowOneEdit() {
        #expect(closestNames(to: "3181", among: ["3118", "3101", "0301"]) == ["3101"])
        #expect(closestNames(to: "9999", among: ["3118", "0301"]).isEmpty)
    }
}
